//! Real protocol peers on loopback for the notification tests: an SMTP server (aiosmtpd) and
//! a Web Push service that decrypts with http_ece, from PyPI, installed once into a venv under
//! the target folder (tests/peers/requirements.txt).
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

const PEERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers");

/// The venv's python, made (under a file lock: tests run in parallel processes) on first use.
fn python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("peers-venv");
    let py = venv.join("bin/python");
    let stamp = venv.join(".installed");
    let reqs = std::fs::read_to_string(format!("{PEERS}/requirements.txt")).unwrap();
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == reqs) {
        return py;
    }
    std::fs::create_dir_all(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let lock =
        std::fs::File::create(Path::new(env!("CARGO_TARGET_TMPDIR")).join("peers-venv.lock"))
            .unwrap();
    lock.lock().unwrap();
    if !std::fs::read_to_string(&stamp).is_ok_and(|s| s == reqs) {
        let ok = std::process::Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap()
            .success();
        assert!(ok, "python3 -m venv");
        let ok = std::process::Command::new(venv.join("bin/pip"))
            .args(["install", "-q", "-r"])
            .arg(format!("{PEERS}/requirements.txt"))
            .status()
            .unwrap()
            .success();
        assert!(ok, "pip install tests/peers/requirements.txt");
        std::fs::write(&stamp, &reqs).unwrap();
    }
    py
}

/// Starts `script` and returns it with the words of its READY line.
async fn start(script: &str, args: &[&str]) -> (Child, Vec<String>) {
    let mut child = Command::new(python())
        .arg(format!("{PEERS}/{script}"))
        .args(args)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the peer starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("the peer is ready within a minute")
        .unwrap()
        .expect("a READY line");
    let words: Vec<String> = ready.split_whitespace().map(str::to_string).collect();
    assert_eq!(words[0], "READY", "{ready}");
    (child, words[1..].to_vec())
}

fn read_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub struct Smtp {
    _child: Child,
    pub port: u16,
    pub ca_file: PathBuf,
    out: PathBuf,
}

pub const SMTP_USER: &str = "khoi";
pub const SMTP_PASSWORD: &str = "mật-khẩu-thư";

impl Smtp {
    pub async fn start() -> Smtp {
        let dir = crate::helpers::test_data_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("smtp.jsonl");
        let (child, w) = start(
            "smtp_server.py",
            &[out.to_str().unwrap(), SMTP_USER, SMTP_PASSWORD],
        )
        .await;
        Smtp {
            _child: child,
            port: w[0].parse().unwrap(),
            ca_file: PathBuf::from(&w[1]),
            out,
        }
    }

    pub fn messages(&self) -> Vec<Value> {
        read_lines(&self.out)
    }

    pub fn config(&self) -> khoi::config::SmtpConfig {
        khoi::config::SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: khoi::config::SmtpTls::Starttls,
            username: Some(SMTP_USER.into()),
            password: Some(khoi::config::Secret::new(SMTP_PASSWORD)),
            from: "Khối Hải Hà <khoi@haiha.vn>".into(),
            ca_file: Some(self.ca_file.clone()),
        }
    }
}

pub struct Push {
    _child: Child,
    pub port: u16,
    pub p256dh: String,
    pub auth: String,
    out: PathBuf,
}

impl Push {
    pub async fn start() -> Push {
        let dir = crate::helpers::test_data_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("push.jsonl");
        let (child, w) = start("push_receiver.py", &[out.to_str().unwrap()]).await;
        Push {
            _child: child,
            port: w[0].parse().unwrap(),
            p256dh: w[1].clone(),
            auth: w[2].clone(),
            out,
        }
    }

    pub fn endpoint(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/push/{name}", self.port)
    }

    pub fn received(&self) -> Vec<Value> {
        read_lines(&self.out)
    }
}

/// Polls `f` until it returns `Some`, for at most `secs` seconds.
pub async fn eventually<T>(secs: u64, mut f: impl AsyncFnMut() -> Option<T>) -> Option<T> {
    let until = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if tokio::time::Instant::now() > until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An S3-compatible object store (moto's server) with one bucket.
pub struct S3 {
    _child: Child,
    pub port: u16,
    pub bucket: String,
}

impl S3 {
    pub async fn start() -> S3 {
        let bucket = "khoi-files".to_string();
        let (child, w) = start("s3_server.py", &["serve", &bucket]).await;
        S3 {
            _child: child,
            port: w[0].parse().unwrap(),
            bucket,
        }
    }

    pub fn config(&self) -> khoi::config::S3Config {
        khoi::config::S3Config {
            endpoint: format!("http://127.0.0.1:{}", self.port),
            bucket: self.bucket.clone(),
            region: "us-east-1".into(),
            access_key_id: "khoi-test".into(),
            secret_access_key: khoi::config::Secret::new("khoi-test-secret"),
            path_style: true,
        }
    }

    /// The keys in the bucket, as the store itself lists them.
    pub async fn keys(&self) -> Vec<String> {
        let out = Command::new(python())
            .arg(format!("{PEERS}/s3_server.py"))
            .args(["list", &self.port.to_string(), &self.bucket])
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }
}
