//! The sender's view: sub-tabs Events (the outbox list and the selected event's timeline), Send
//! (the composer), Dead letters and Destinations; the global time scale in its header. Mounting
//! it opens the sender's live stream.
import { useState } from 'react';
import { useNav } from '../../nav';
import { useDeadLetters, useSaveSettings, useSenderLive, useSenderSettings, type EventFilter } from '../../api/events';
import { Composer } from './Composer';
import { DeadLetters } from './DeadLetters';
import { DestinationsView } from './DestinationsView';
import { EventDetailView } from './EventDetailView';
import { EventList } from './EventList';
import { TimeScaleSelect } from './fields';
import './outbox.css';

export type OutboxTab = 'events' | 'send' | 'dead' | 'destinations';

function GlobalTimeScale() {
  const settings = useSenderSettings();
  const save = useSaveSettings();
  if (settings.data === null) return null; // an engine without /api/settings
  const value = settings.data?.time_scale ?? 1;
  return (
    <label className="global-scale small" title="Applies to every event whose own time scale is 1×">
      <span className="muted">Global time scale</span>
      <TimeScaleSelect value={value} onChange={(v) => save.mutate({ time_scale: v })} testId="global-timescale" />
    </label>
  );
}

function DeadCount() {
  const dead = useDeadLetters();
  const n = dead.data?.pages[0]?.counts.reduce((a, c) => a + c.count, 0) ?? 0;
  return n > 0 ? (
    <span className="tab-count" data-testid="dead-total">
      {n}
    </span>
  ) : null;
}

export function OutboxView({ receiverUrl }: { receiverUrl: string }) {
  useSenderLive();
  const [tab, setTab] = useState<OutboxTab>('events');
  const [selected, setSelected] = useState<number | null>(null);
  const [filter, setFilter] = useState<EventFilter>({});
  const [sendTo, setSendTo] = useState<number | null>(null);
  // An alert's link or a dashboard card asks for the events list with these filters (once per request).
  const { outboxFilter, outboxEvent } = useNav();
  const [takenFilter, setTakenFilter] = useState(0);
  // "Open in Outbox" from a replay, a forward or a capture: select that event (once per request).
  const [takenEvent, setTakenEvent] = useState(0);
  if (outboxEvent && outboxEvent.seq !== takenEvent) {
    setTakenEvent(outboxEvent.seq);
    setSelected(outboxEvent.id);
    setTab('events');
  }
  if (outboxFilter && outboxFilter.seq !== takenFilter) {
    setTakenFilter(outboxFilter.seq);
    const f = outboxFilter.filter;
    setFilter({
      ...(f.state ? { state: f.state as EventFilter['state'] } : {}),
      ...(f.destination !== undefined ? { destination: f.destination } : {}),
    });
    setSelected(null);
    setTab('events');
  }
  const open = (id: number) => {
    setSelected(id);
    setTab('events');
  };
  const tabs: { id: OutboxTab; label: string }[] = [
    { id: 'events', label: 'Events' },
    { id: 'send', label: 'Send' },
    { id: 'dead', label: 'Dead letters' },
    { id: 'destinations', label: 'Destinations' },
  ];
  return (
    <div className="outbox" data-testid="outbox">
      <div className="outbox-bar">
        <div className="subtabs" role="tablist" aria-label="outbox">
          {tabs.map((t) => (
            <button
              key={t.id}
              type="button"
              role="tab"
              aria-selected={tab === t.id}
              className={`subtab ${tab === t.id ? 'subtab-on' : ''}`}
              data-testid={`outbox-tab-${t.id}`}
              onClick={() => setTab(t.id)}
            >
              {t.label}
              {t.id === 'dead' && <DeadCount />}
            </button>
          ))}
        </div>
        <span className="spacer" />
        <GlobalTimeScale />
      </div>
      <div className="outbox-body">
        {tab === 'events' && (
          <div className="inbox">
            <EventList filter={filter} setFilter={setFilter} selectedId={selected} onSelect={setSelected} />
            <div className="pane-detail">
              {selected !== null ? (
                <EventDetailView key={selected} id={selected} onOpen={open} />
              ) : (
                <div className="muted pad center">Select an event to see its timeline, or send one.</div>
              )}
            </div>
          </div>
        )}
        <div className="outbox-scroll" hidden={tab !== 'send'}>
          <Composer receiverUrl={receiverUrl} presetTarget={sendTo} onSent={open} />
        </div>
        {tab === 'dead' && (
          <div className="outbox-scroll">
            <DeadLetters onOpen={open} />
          </div>
        )}
        {tab === 'destinations' && (
          <DestinationsView
            onSendTo={(id) => {
              setSendTo(id);
              setTab('send');
            }}
            onShowEvents={(id) => {
              setFilter({ destination: id });
              setTab('events');
            }}
          />
        )}
      </div>
    </div>
  );
}
