//! Listener addresses as people type them: `127.0.0.1:9000`, `:9000`, `9000`, `localhost:0`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

pub fn parse_listen_addr(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((host, port)) => (host, port),
        None => ("", text),
    };
    let port: u16 = port.parse().map_err(|_| {
        format!("'{text}' is not an address: expected HOST:PORT, e.g. 127.0.0.1:9000 (port 0 picks a free one)")
    })?;
    let ip = match host {
        "" | "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        other => other
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("'{other}' is not an IP address; use 127.0.0.1, ::1 or 0.0.0.0"))?,
    };
    Ok(SocketAddr::new(ip, port))
}

/// Sizes as people type them: `1048576`, `512KiB`, `10MiB`, `10mb`.
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim().to_ascii_lowercase();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits.parse().map_err(|_| format!("'{text}' is not a size: use bytes or e.g. 10MiB"))?;
    let factor = match unit.trim() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        other => return Err(format!("unknown size unit '{other}' in '{text}': use KiB, MiB or GiB")),
    };
    n.checked_mul(factor).ok_or_else(|| format!("'{text}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_the_ways_people_type_them() {
        assert_eq!(parse_listen_addr("127.0.0.1:9000").unwrap().to_string(), "127.0.0.1:9000");
        assert_eq!(parse_listen_addr(":0").unwrap().to_string(), "127.0.0.1:0");
        assert_eq!(parse_listen_addr("9001").unwrap().to_string(), "127.0.0.1:9001");
        assert_eq!(parse_listen_addr("localhost:5").unwrap().to_string(), "127.0.0.1:5");
        assert_eq!(parse_listen_addr("[::1]:7").unwrap().to_string(), "[::1]:7");
        assert!(parse_listen_addr("127.0.0.1:99999").is_err(), "ports stop at 65535");
        assert!(parse_listen_addr("example.com:80").unwrap_err().contains("not an IP address"));
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!(parse_size("1024").unwrap(), 1024);
        assert_eq!(parse_size("10MiB").unwrap(), 10 * 1024 * 1024);
        assert_eq!(parse_size("512kb").unwrap(), 512 * 1024);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }
}
