//! Hostile and broken input on the receiver, over real sockets (raw `TcpStream` where a client
//! library would refuse to send such bytes). Every test also proves the receiver still serves a
//! well-behaved request afterwards, or while the attack is going on.
#![allow(clippy::unwrap_used)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hookbench_testkit::TestServer;
use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous bound for "the server closed it at all"; the configured timeouts are 1 s.
const CLOSE_BOUND: Duration = Duration::from_secs(20);

/// A short-timeout server: 1 s for a head, 1 s for a body.
async fn quick_server(max_body: Option<usize>) -> TestServer {
    TestServer::start_with(|c| {
        c.header_timeout = Duration::from_secs(1);
        c.body_timeout = Duration::from_secs(1);
        if let Some(limit) = max_body {
            c.max_body_bytes = limit;
        }
    })
    .await
}

/// A normal webhook: must get 200 with its capture id, its body stored. Returns how long it took.
async fn well_behaved(server: &TestServer) -> Duration {
    // A connection of its own: a pooled one may be the server's to close for idling (1 s here)
    // just as it is reused, which says nothing about a new sender being served.
    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(0).build().unwrap();
    let started = Instant::now();
    let res = client
        .post(server.receiver("/well-behaved"))
        .header("Content-Type", "application/json")
        .body(r#"{"ok":1}"#)
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(res.status(), 200, "a well-behaved request is still served");
    let id = res.headers()["x-hookbench-capture-id"].to_str().unwrap().to_owned();
    let capture = server.api_json(&format!("/api/captures/{id}")).await;
    assert_eq!(BASE64.decode(capture["body_base64"].as_str().unwrap()).unwrap(), br#"{"ok":1}"#);
    took
}

async fn total(server: &TestServer) -> u64 {
    server.api_json("/api/captures").await["total"].as_u64().unwrap()
}

async fn latest(server: &TestServer) -> Value {
    let page = server.api_json("/api/captures?limit=1").await;
    server.api_json(&format!("/api/captures/{}", page["items"][0]["id"])).await
}

/// Reads until the server closes the connection; panics if it stays open past `CLOSE_BOUND`.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = tokio::time::Instant::now() + CLOSE_BOUND;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept the connection open: {}", String::from_utf8_lossy(&out)),
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn connect(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

mod slow_clients {
    use super::*;

    #[tokio::test]
    async fn a_head_that_never_completes_is_cut_off_and_others_are_served_meanwhile() {
        let server = quick_server(None).await;
        let mut stalled = connect(server.running.receiver_addr).await;
        stalled.write_all(b"POST /slow-head HTTP/1.1\r\nHost: h\r\nX-Half: ").await.unwrap();
        // A trickler: one byte every 200 ms, never the blank line.
        let mut trickler = connect(server.running.receiver_addr).await;
        trickler.write_all(b"POST /trickle HTTP/1.1\r\n").await.unwrap();
        let trickling = tokio::spawn(async move {
            let started = Instant::now();
            while started.elapsed() < CLOSE_BOUND {
                if trickler.write_all(b"X").await.is_err() {
                    return true;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
                // A closed peer shows as EOF on read even while writes still land in the buffer.
                let mut probe = [0u8; 64];
                if let Ok(Ok(0) | Err(_)) =
                    tokio::time::timeout(Duration::from_millis(1), trickler.read(&mut probe)).await
                {
                    return true;
                }
            }
            false
        });
        well_behaved(&server).await;
        read_until_closed(&mut stalled).await;
        assert!(trickling.await.unwrap(), "a head trickled byte by byte is cut off too");
        assert_eq!(total(&server).await, 1, "an incomplete head is never stored");
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_gets_408_and_nothing_is_stored() {
        let server = quick_server(None).await;
        let mut sized = connect(server.running.receiver_addr).await;
        sized.write_all(b"POST /slow-body HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789").await.unwrap();
        let mut chunked = connect(server.running.receiver_addr).await;
        chunked
            .write_all(b"POST /slow-chunks HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            .await
            .unwrap();
        well_behaved(&server).await;
        for stream in [&mut sized, &mut chunked] {
            let answer = read_until_closed(stream).await;
            assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
            assert!(answer.contains(r#""code":"body_timeout""#), "a JSON reason: {answer}");
            assert!(answer.contains("nothing was stored"), "{answer}");
        }
        assert_eq!(total(&server).await, 1, "a partial body is not stored (only the well-behaved one is)");
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn a_chunked_body_that_never_ends_is_cut_at_the_body_limit() {
        let server = quick_server(Some(64 * 1024)).await;
        let mut stream = connect(server.running.receiver_addr).await;
        stream.write_all(b"POST /endless HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n").await.unwrap();
        let (mut read, mut write) = stream.into_split();
        let writer = tokio::spawn(async move {
            let chunk = [b"1000\r\n".as_slice(), &[b'z'; 4096], b"\r\n"].concat();
            let mut sent = 0u64;
            let started = Instant::now();
            while started.elapsed() < CLOSE_BOUND {
                if write.write_all(&chunk).await.is_err() {
                    return Some(sent);
                }
                sent += 4096;
            }
            None
        });
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(CLOSE_BOUND, read.read_to_end(&mut answer)).await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        let sent = writer.await.unwrap().expect("the server stops reading an endless body");
        assert!(sent >= 64 * 1024, "it read up to the limit ({sent} bytes sent)");
        let capture = latest(&server).await;
        assert_eq!(capture["path"], "/endless");
        assert_eq!(capture["response_status"], 413);
        assert_eq!(capture["body_stored"], false);
        well_behaved(&server).await;
    }
}

mod malformed {
    use super::*;

    #[tokio::test]
    async fn ten_thousand_headers_get_431_and_a_few_hundred_are_all_kept() {
        let server = TestServer::start().await;
        let mut flood = b"POST /flood HTTP/1.1\r\nHost: h\r\n".to_vec();
        for i in 0..10_000 {
            flood.extend_from_slice(format!("X-Flood-{i}: {i}\r\n").as_bytes());
        }
        flood.extend_from_slice(b"Content-Length: 0\r\n\r\n");
        let answer = server.raw_to_receiver(&flood).await;
        assert!(answer.starts_with("HTTP/1.1 431"), "{}", &answer[..answer.len().min(200)]);
        assert_eq!(total(&server).await, 0, "refused before anything was stored");

        let mut many = b"POST /many HTTP/1.1\r\nHost: h\r\n".to_vec();
        for i in 0..900 {
            many.extend_from_slice(format!("X-Many-{i}: {i}\r\n").as_bytes());
        }
        many.extend_from_slice(b"Content-Length: 0\r\nConnection: close\r\n\r\n");
        let answer = server.raw_to_receiver(&many).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let headers = latest(&server).await["headers"].as_array().unwrap().clone();
        assert_eq!(headers.len(), 903, "all 900 plus Host, Content-Length, Connection");
        assert_eq!(headers[1]["name"], "X-Many-0");
        assert_eq!(headers[900]["name"], "X-Many-899", "in wire order");
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn invalid_utf8_in_header_values_and_paths_is_kept_exactly_and_shown_escaped() {
        let server = TestServer::start().await;
        let wire = b"POST /caf\xe9/\xff\xfe?name=\xc3\x28 HTTP/1.1\r\nHost: h\r\nX-Bad: \xff\xfe\x80 end\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        let answer = server.raw_to_receiver(wire).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let capture = latest(&server).await;
        assert_eq!(capture["path"], "/caf%E9/%FF%FE", "non-ASCII bytes in the target are percent-escaped");
        assert_eq!(capture["query"], "name=%C3(");
        let bad = capture["headers"].as_array().unwrap().iter().find(|h| h["name"] == "X-Bad").unwrap().clone();
        assert_eq!(BASE64.decode(bad["value_base64"].as_str().unwrap()).unwrap(), b"\xff\xfe\x80 end");
        assert!(bad["value"].as_str().unwrap().ends_with(" end"), "the text form is escaped, not dropped: {bad}");
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn absurd_methods_are_captured_or_refused_cleanly() {
        let server = TestServer::start().await;
        let answer = server.raw_to_receiver(b"FOOBAR /m HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert_eq!(latest(&server).await["method"], "FOOBAR");

        let long = "M".repeat(1024);
        let wire = format!("{long} /long HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        let answer = server.raw_to_receiver(wire.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert_eq!(latest(&server).await["method"], long.as_str(), "a 1 KiB method token is kept whole");

        for broken in [&b"FO(O /x HTTP/1.1\r\n\r\n"[..], b"\x00\x01\x02 / HTTP/1.1\r\n\r\n", b"GET\r\n\r\n"] {
            let answer = server.raw_to_receiver(broken).await;
            assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 400"), "{answer}");
        }
        assert_eq!(total(&server).await, 2, "unparsable request lines are not stored");
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn a_gzip_bomb_is_stored_as_sent_and_never_decoded() {
        // 1 GiB of zeros once decoded: 1024 gzip members of 1 MiB each (decoders concatenate them).
        let mut member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        member.write_all(&vec![0u8; 1024 * 1024]).unwrap();
        let member = member.finish().unwrap();
        let bomb: Vec<u8> = member.iter().copied().cycle().take(member.len() * 1024).collect();
        assert!(bomb.len() < 4 * 1024 * 1024, "the bomb fits the body limit: {} bytes", bomb.len());

        let server = TestServer::start().await;
        let res = server
            .client
            .post(server.receiver("/bomb"))
            .header("Content-Encoding", "gzip")
            .header("Content-Type", "application/json")
            .body(bomb.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let capture = latest(&server).await;
        assert_eq!(capture["body_size"].as_u64(), Some(bomb.len() as u64), "the size is the size on the wire");
        assert_eq!(BASE64.decode(capture["body_base64"].as_str().unwrap()).unwrap(), bomb, "raw bytes, as sent");
        let raw =
            server.api_request(Method::GET, &format!("/api/captures/{}/body", capture["id"])).send().await.unwrap();
        assert!(raw.headers().get("content-encoding").is_none(), "the download is not re-labelled for a decoder");
        assert_eq!(raw.bytes().await.unwrap().to_vec(), bomb);
        // The engine runs in this process: had anything decoded the bomb, the peak would be > 1 GiB.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        if let Some(kib) = status.lines().find_map(|l| l.strip_prefix("VmHWM:")) {
            let kib: u64 = kib.trim().trim_end_matches("kB").trim().parse().unwrap();
            assert!(kib < 512 * 1024, "peak memory {kib} KiB: something inflated the body");
        }
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn a_gzip_body_over_the_limit_is_judged_by_its_size_on_the_wire() {
        let server = TestServer::start_with(|c| c.max_body_bytes = 1024).await;
        let mut small = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        small.write_all(&vec![b'a'; 100 * 1024]).unwrap();
        let small = small.finish().unwrap();
        assert!(small.len() < 1024);
        let res = server
            .client
            .post(server.receiver("/gz"))
            .header("Content-Encoding", "gzip")
            .body(small)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "100 KiB once decoded, but under 1 KiB as sent: stored");
        well_behaved(&server).await;
    }
}

mod protocols {
    use super::*;

    #[tokio::test]
    async fn an_http_1_0_client_without_host_is_captured_and_the_connection_closes() {
        let server = TestServer::start().await;
        let mut stream = connect(server.running.receiver_addr).await;
        stream.write_all(b"POST /old HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc").await.unwrap();
        let answer = read_until_closed(&mut stream).await;
        assert!(answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"), "{answer}");
        let capture = latest(&server).await;
        assert_eq!(capture["http_version"], "HTTP/1.0");
        assert_eq!(BASE64.decode(capture["body_base64"].as_str().unwrap()).unwrap(), b"abc");
        assert_eq!(
            capture["url"].as_str().unwrap(),
            format!("http://{}/old", server.running.receiver_addr),
            "without Host the URL names the receiver's own address"
        );
        let answer = server.raw_to_receiver(b"GET /close HTTP/1.0\r\nHost: h\r\nConnection: close\r\n\r\n").await;
        assert!(answer.contains(" 200 "), "{answer}");
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn an_http2_prior_knowledge_client_is_captured() {
        use http_body_util::{BodyExt as _, Full};
        let server = TestServer::start().await;
        let io = hyper_util::rt::TokioIo::new(connect(server.running.receiver_addr).await);
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io).await.unwrap();
        tokio::spawn(conn);
        for i in 0..3 {
            let req = hyper::Request::post(format!("http://{}/h2/{i}", server.running.receiver_addr))
                .header("X-Over", "h2")
                .body(Full::new(bytes::Bytes::from(format!("stream {i}"))))
                .unwrap();
            let res = sender.send_request(req).await.unwrap();
            assert_eq!(res.status(), 200);
            let body = res.into_body().collect().await.unwrap().to_bytes();
            assert!(String::from_utf8_lossy(&body).contains("capture_id"));
        }
        let capture = latest(&server).await;
        assert_eq!(capture["http_version"], "HTTP/2.0");
        assert_eq!(capture["path"], "/h2/2");
        assert_eq!(BASE64.decode(capture["body_base64"].as_str().unwrap()).unwrap(), b"stream 2");
        assert!(capture["headers"].as_array().unwrap().iter().any(|h| h["name"] == "x-over" && h["value"] == "h2"));
        well_behaved(&server).await;
    }
}

mod under_attack {
    use super::*;

    /// 150 misbehaving connections at once (stalled heads, stalled bodies, endless chunked bodies)
    /// while well-behaved requests keep coming. Their latency is printed; only success is asserted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_misbehaving_connections_do_not_block_a_well_behaved_request() {
        let server = TestServer::start_with(|c| {
            c.header_timeout = Duration::from_secs(30);
            c.body_timeout = Duration::from_secs(30);
            c.max_body_bytes = 256 * 1024;
        })
        .await;
        let addr = server.running.receiver_addr;
        let mut held = Vec::new();
        for i in 0..50 {
            let mut s = connect(addr).await;
            s.write_all(format!("POST /stall-head/{i} HTTP/1.1\r\nHost: h\r\nX-").as_bytes()).await.unwrap();
            held.push(s);
            let mut s = connect(addr).await;
            s.write_all(
                format!("POST /stall-body/{i} HTTP/1.1\r\nHost: h\r\nContent-Length: 999999\r\n\r\nab").as_bytes(),
            )
            .await
            .unwrap();
            held.push(s);
        }
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut floods = Vec::new();
        for i in 0..50 {
            let stop = stop.clone();
            floods.push(tokio::spawn(async move {
                let Ok(mut s) = TcpStream::connect(addr).await else { return };
                let head = format!("POST /endless/{i} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = [b"400\r\n".as_slice(), &[b'q'; 1024], b"\r\n"].concat();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if s.write_all(&chunk).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
        let mut latencies = Vec::new();
        for _ in 0..20 {
            latencies.push(well_behaved(&server).await);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for f in floods {
            let _ = f.await;
        }
        drop(held);
        latencies.sort();
        eprintln!(
            "well-behaved latency under 150 misbehaving connections: median {:?}, max {:?}",
            latencies[latencies.len() / 2],
            latencies[latencies.len() - 1]
        );
    }
}

mod idle {
    use super::*;

    #[tokio::test]
    async fn a_connection_that_sends_nothing_or_only_an_http2_preface_is_closed() {
        let server = quick_server(None).await;
        let mut silent = connect(server.running.receiver_addr).await;
        let mut h2 = connect(server.running.receiver_addr).await;
        h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").await.unwrap();
        well_behaved(&server).await;
        read_until_closed(&mut silent).await;
        read_until_closed(&mut h2).await;
        well_behaved(&server).await;
    }

    #[tokio::test]
    async fn a_slow_answer_longer_than_the_idle_limit_is_not_cut_off() {
        // A latency fault of 2.5 s and a body trickled 10 bytes every 2 s, with a 1 s idle limit: the
        // connection is busy (a request in flight), not idle.
        let server = quick_server(None).await;
        let plans = [
            serde_json::json!({"id": "late", "name": "late", "activated_at": 0,
                "fault": {"kind": "latency", "distribution": {"kind": "fixed", "ms": 2500}}}),
            serde_json::json!({"id": "trickle", "name": "trickle", "activated_at": 0,
                "fault": {"kind": "slow_body", "bytes_per_sec": 5, "chunk_bytes": 10}}),
        ];
        for plan in plans {
            let res = server.api_request(Method::POST, "/api/endpoints/1/faults").json(&plan).send().await.unwrap();
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        }
        let res = server.client.post(server.receiver("/slow")).body("x").send().await.unwrap();
        assert_eq!(res.status(), 200, "a held answer outlives the idle limit");
        let body = res.text().await.unwrap();
        assert!(body.contains("capture_id"), "the trickled body (2 s between chunks) arrives whole: {body}");
    }
}
