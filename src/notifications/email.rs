//! Email: the SMTP transport from the configuration, and the Vietnamese messages, plain text
//! and HTML.
use crate::config::{SmtpConfig, SmtpTls};
use lettre::{
    AsyncSmtpTransport, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{
        PoolConfig,
        authentication::Credentials,
        client::{Certificate, Tls, TlsParameters},
    },
};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub type Mailer = AsyncSmtpTransport<Tokio1Executor>;

/// SMTP connections an instance keeps open. lettre's pool keeps at most its size and closes any
/// connection beyond it after one message: sending a batch of 32 at once opened 22 connections,
/// a TLS handshake and AUTH each, for every batch (6,880 sign-ins for 10,000 emails,
/// BENCHMARKS.md). 32 at most, as many as were open at once before.
pub const SMTP_CONNECTIONS: usize = 32;
/// Emails an instance sends at once: fewer than the connections kept, since a connection goes
/// back to the pool a moment after its message is sent, and a send that finds none free opens
/// one more. A relay answers each message in a few round trips, so the rate is about this
/// many messages a round trip.
pub const SMTP_SENDING: usize = 24;

/// The transport, or why it cannot be made (a bad CA file).
pub fn mailer(cfg: &SmtpConfig) -> anyhow::Result<Mailer> {
    let mut params = TlsParameters::builder(cfg.host.clone());
    if let Some(path) = &cfg.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| anyhow::anyhow!("KHOI_SMTP_CA_FILE {}: {e}", path.display()))?;
        params = params.add_root_certificate(Certificate::from_pem(&pem)?);
    }
    let tls = match cfg.tls {
        SmtpTls::Starttls => Tls::Required(params.build_rustls()?),
        SmtpTls::Tls => Tls::Wrapper(params.build_rustls()?),
        SmtpTls::None => Tls::None,
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
        .port(cfg.port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(15)))
        .pool_config(PoolConfig::new().max_size(SMTP_CONNECTIONS as u32));
    if let Some(user) = &cfg.username {
        let pw = cfg
            .password
            .as_ref()
            .map(|p| p.expose().to_string())
            .unwrap_or_default();
        b = b.credentials(Credentials::new(user.clone(), pw));
    }
    Ok(b.build())
}

/// An email as queued: everything needed to send it later.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One notification as an email.
pub fn single(title: &str, body: &str, href: Option<&str>) -> Email {
    let link = href.map(|h| format!("\n\nXem: {h}")).unwrap_or_default();
    let html_link = href
        .map(|h| format!("<p>Xem: <code>{}</code></p>", escape(h)))
        .unwrap_or_default();
    Email {
        subject: format!("[Khối] {title}"),
        text: format!(
            "{title}\n\n{body}{link}\n\n-- \nKhối: thông báo tự động, xin đừng trả lời thư này.\n"
        ),
        html: format!(
            "<!doctype html><html lang=\"vi\"><body><h2>{}</h2><p>{}</p>{html_link}<hr><p><small>Khối: thông báo tự động, xin đừng trả lời thư này.</small></p></body></html>",
            escape(title),
            escape(body)
        ),
    }
}

/// The daily digest: the day's unread items.
pub fn digest(day: &str, items: &[(String, String)]) -> Email {
    let mut text = format!(
        "Thông báo chưa đọc đến ngày {day}: {} mục.\n\n",
        items.len()
    );
    let mut html = format!(
        "<!doctype html><html lang=\"vi\"><body><h2>Thông báo chưa đọc đến ngày {day}: {} mục</h2><ul>",
        items.len()
    );
    for (title, body) in items {
        text.push_str(&format!("- {title}\n  {body}\n"));
        html.push_str(&format!(
            "<li><b>{}</b><br>{}</li>",
            escape(title),
            escape(body)
        ));
    }
    html.push_str("</ul></body></html>");
    Email {
        subject: format!("[Khối] Tổng hợp thông báo ngày {day}"),
        text,
        html,
    }
}

/// Sends `email` to `to`.
pub async fn send(mailer: &Mailer, from: &str, to: &str, email: &Email) -> Result<(), String> {
    use lettre::AsyncTransport;
    let from: Mailbox = from.parse().map_err(|e| format!("From: {e}"))?;
    let to: Mailbox = to.parse().map_err(|e| format!("To: {e}"))?;
    let msg = lettre::Message::builder()
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| e.to_string())?;
    mailer
        .send(msg)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_is_escaped() {
        let e = super::single("<b>Họp</b>", "a & b", Some("/api/v1/tasks/1"));
        assert!(e.html.contains("&lt;b&gt;Họp&lt;/b&gt;"));
        assert!(e.html.contains("a &amp; b"));
        assert!(e.text.contains("<b>Họp</b>"));
    }
}
