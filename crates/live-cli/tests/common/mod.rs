//! A raw HTTP/1.1 server on 127.0.0.1:0 answering crafted envelopes, shared by the tests
//! that put `volc-live` in front of a hostile or broken server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;

type Answer = dyn Fn(u32) -> (u16, String) + Send + Sync;

/// A server answering every request with `answer(PageNum)` (PageNum 0 when the body has
/// none); records the pages asked.
pub struct Hostile {
    pub url: String,
    asked: Arc<Mutex<Vec<u32>>>,
}

impl Hostile {
    pub fn start(answer: impl Fn(u32) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let asked = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Answer> = Arc::new(answer);
        let seen = asked.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { return };
                let (answer, seen) = (answer.clone(), seen.clone());
                std::thread::spawn(move || {
                    let _ = serve(conn, &*answer, &seen);
                });
            }
        });
        Hostile { url, asked }
    }

    #[allow(dead_code)] // not every test binary looks at the pages
    pub fn asked(&self) -> Vec<u32> {
        self.asked.lock().unwrap().clone()
    }
}

/// Answers the requests of one keep-alive connection.
fn serve(conn: TcpStream, answer: &Answer, seen: &Mutex<Vec<u32>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut conn = conn;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let page = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["PageNum"].as_u64())
            .map_or(0, |p| u32::try_from(p).unwrap());
        seen.lock().unwrap().push(page);
        let (status, body) = answer(page);
        write!(
            conn,
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        )?;
        conn.write_all(body.as_bytes())?;
        conn.flush()?;
    }
}
