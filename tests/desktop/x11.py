#!/usr/bin/env python3
"""What a window manager or a user would do to Hookbench's window under Xvfb, where there is neither:

    python3 x11.py focus       maps a small window of its own at the bottom right, gives it the input
                               focus (as switching to another app does), prints "focused" and keeps it
                               until stdin closes or the process is stopped
    python3 x11.py close WID   asks window WID (0x… from xwininfo) to close, as a title bar's close
                               button does: a WM_DELETE_WINDOW message

Python's ctypes over libX11 (which WebKitGTK needs anyway): no extra packages.
"""
import ctypes
import ctypes.util
import sys

lib = ctypes.util.find_library("X11")
if not lib:
    sys.exit("x11.py: libX11 not found")
x = ctypes.CDLL(lib)
Display = ctypes.c_void_p
Window = ctypes.c_ulong
Atom = ctypes.c_ulong
x.XOpenDisplay.restype = Display
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XDefaultRootWindow.restype = Window
x.XDefaultRootWindow.argtypes = [Display]
x.XCreateSimpleWindow.restype = Window
x.XCreateSimpleWindow.argtypes = [Display, Window, ctypes.c_int, ctypes.c_int] + [ctypes.c_uint] * 3 + [ctypes.c_ulong] * 2
x.XStoreName.argtypes = [Display, Window, ctypes.c_char_p]
x.XMapRaised.argtypes = [Display, Window]
x.XSetInputFocus.argtypes = [Display, Window, ctypes.c_int, ctypes.c_ulong]
x.XInternAtom.restype = Atom
x.XInternAtom.argtypes = [Display, ctypes.c_char_p, ctypes.c_int]
x.XSendEvent.argtypes = [Display, Window, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
x.XSync.argtypes = [Display, ctypes.c_int]
x.XCloseDisplay.argtypes = [Display]

REVERT_TO_PARENT = 2
CURRENT_TIME = 0
CLIENT_MESSAGE = 33


class ClientMessage(ctypes.Structure):
    """XClientMessageEvent, padded to the size of an XEvent (24 longs)."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", Display),
        ("window", Window),
        ("message_type", Atom),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
        ("pad", ctypes.c_long * 12),
    ]


def open_display():
    display = x.XOpenDisplay(None)
    if not display:
        sys.exit("x11.py: cannot open the display (is DISPLAY set?)")
    return display


def focus():
    display = open_display()
    window = x.XCreateSimpleWindow(display, x.XDefaultRootWindow(display), 1300, 800, 100, 60, 0, 0, 0xFFFFFF)
    x.XStoreName(display, window, b"take-focus")
    x.XMapRaised(display, window)
    x.XSync(display, 0)  # mapped (no window manager to redirect it) before it can take the focus
    x.XSetInputFocus(display, window, REVERT_TO_PARENT, CURRENT_TIME)
    x.XSync(display, 0)
    print("focused", flush=True)
    sys.stdin.read()
    x.XCloseDisplay(display)


def close(wid):
    display = open_display()
    event = ClientMessage()
    event.type = CLIENT_MESSAGE
    event.window = wid
    event.message_type = x.XInternAtom(display, b"WM_PROTOCOLS", 0)
    event.format = 32
    event.data[0] = x.XInternAtom(display, b"WM_DELETE_WINDOW", 0)
    event.data[1] = CURRENT_TIME
    x.XSendEvent(display, wid, 0, 0, ctypes.byref(event))
    x.XSync(display, 0)
    x.XCloseDisplay(display)


if __name__ == "__main__":
    if sys.argv[1:] == ["focus"]:
        focus()
    elif len(sys.argv) == 3 and sys.argv[1] == "close":
        close(int(sys.argv[2], 16))
    else:
        sys.exit(__doc__)
