//! The outbox is sent by a background worker: a mail relay that accepts connections and never
//! answers does not hold up deletions, and once it works the notices go out, each once.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

use crate::test_app::{Db, GOD_TOKEN, TestApp, json, spawn_app_with};

/// A tiny SMTP relay: while `answering` is off it accepts connections and keeps them open in
/// silence; while on, it speaks enough SMTP to take messages.
struct Relay {
    port: u16,
    answering: Arc<AtomicBool>,
    silent_connections: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<String>>>,
}

impl Relay {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let relay =
            Self { port, answering: Arc::default(), silent_connections: Arc::default(), received: Arc::default() };
        let (answering, silent, received) =
            (relay.answering.clone(), relay.silent_connections.clone(), relay.received.clone());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                if answering.load(Ordering::SeqCst) {
                    tokio::spawn(converse(socket, received.clone()));
                } else {
                    silent.fetch_add(1, Ordering::SeqCst);
                    held.push(socket);
                }
            }
        });
        relay
    }

    async fn received(&self) -> Vec<String> {
        self.received.lock().await.clone()
    }
}

async fn converse(socket: TcpStream, received: Arc<Mutex<Vec<String>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    let _ = write.write_all(b"220 relay ESMTP\r\n").await;
    while let Ok(Some(line)) = lines.next_line().await {
        let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" | "HELO" => b"250 relay\r\n",
            "DATA" => {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut message = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if line == "." {
                        break;
                    }
                    message.push_str(&line);
                    message.push('\n');
                }
                received.lock().await.push(message);
                b"250 queued\r\n"
            }
            "QUIT" => {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            }
            _ => b"250 ok\r\n",
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}

async fn god_delete(app: &TestApp, id: &str) -> u16 {
    let request =
        app.fresh_client().post(app.url(&format!("/company/{id}/delete"))).json(&json!({"god_token": GOD_TOKEN}));
    // Far shorter than one wait for the silent relay (5 s per SMTP step): a deletion that waited
    // for the mail would not answer in time.
    let answer =
        tokio::time::timeout(Duration::from_secs(3), request.send()).await.expect("the deletion answers at once");
    json(answer.unwrap()).await.0
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..300 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn a_silent_relay_holds_up_no_deletion_and_mail_goes_out_once_it_works(db: Db) {
    let relay = Relay::start().await;
    let url = format!("smtp://127.0.0.1:{}", relay.port);
    let flags = ["--mail-url", &url, "--mail-timeout-seconds", "5", "--mail-retry-seconds", "1"];
    let app = spawn_app_with(db, &flags).await;

    assert_eq!(god_delete(&app, "Cust0mer0001").await, 200);
    // The worker is now stuck on the silent relay with the first notice...
    wait_until("the worker has reached the relay", async || relay.silent_connections.load(Ordering::SeqCst) >= 1).await;
    // ...and another deletion still answers at once.
    assert_eq!(god_delete(&app, "Cust0mer0002").await, 200);
    assert!(relay.received().await.is_empty());
    assert_eq!(app.count_all("outbox").await, 2);

    relay.answering.store(true, Ordering::SeqCst);
    wait_until("both notices were delivered", async || relay.received().await.len() >= 2).await;
    wait_until("the outbox records both as sent", async || {
        app.count_all("outbox").await == 2 && count_unsent(&app).await == 0
    })
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut recipients: Vec<String> = relay
        .received()
        .await
        .iter()
        .map(|m| m.lines().find(|l| l.starts_with("To: ")).unwrap_or_default().to_owned())
        .collect();
    recipients.sort();
    assert_eq!(recipients, ["To: company1@email.com", "To: company2@email.com"], "each notice exactly once");
}

async fn count_unsent(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait;
    let row = app
        .db
        .query_one(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM outbox WHERE sent_at IS NULL",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

crate::on_both_databases!(a_silent_relay_holds_up_no_deletion_and_mail_goes_out_once_it_works);
