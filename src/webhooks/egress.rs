//! Where webhooks may send: the egress policy. A receiver is reached over `https` (plain `http`
//! only when the operator allows it) at a public address: loopback, private, link-local,
//! unique-local, shared, documentation, multicast, reserved and IPv4-embedding addresses are
//! refused unless the operator lists their range in `KHOI_WEBHOOK_ALLOW_NETS`. The check runs at
//! registration and again at every attempt, on the addresses the name resolves to at connect
//! time, so a name that later resolves inside the network is refused then.
use reqwest::Url;
use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::{Arc, RwLock},
};

pub use crate::config::Net;

fn v4_in(a: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(a) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn v6_in(a: Ipv6Addr, net: u128, prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(a) & mask == net & mask
}

/// Why `ip` is not a public address a webhook may reach, or None when it is.
pub fn internal_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(a) => {
            let ranges: [([u8; 4], u32, &'static str); 16] = [
                ([0, 0, 0, 0], 8, "this-network"),
                ([10, 0, 0, 0], 8, "private"),
                ([100, 64, 0, 0], 10, "shared (carrier-grade NAT)"),
                ([127, 0, 0, 0], 8, "loopback"),
                ([169, 254, 0, 0], 16, "link-local"),
                ([172, 16, 0, 0], 12, "private"),
                ([192, 0, 0, 0], 24, "IETF protocol assignments"),
                ([192, 0, 2, 0], 24, "documentation"),
                ([192, 88, 99, 0], 24, "reserved (6to4 relay)"),
                ([192, 168, 0, 0], 16, "private"),
                ([198, 18, 0, 0], 15, "benchmarking"),
                ([198, 51, 100, 0], 24, "documentation"),
                ([203, 0, 113, 0], 24, "documentation"),
                ([224, 0, 0, 0], 4, "multicast"),
                ([240, 0, 0, 0], 4, "reserved"),
                ([255, 255, 255, 255], 32, "broadcast"),
            ];
            ranges
                .iter()
                .find(|(net, prefix, _)| v4_in(a, *net, *prefix))
                .map(|(_, _, kind)| *kind)
        }
        IpAddr::V6(a) => {
            if a.to_ipv4_mapped().is_some() {
                return Some("IPv4-mapped");
            }
            let ranges: [(u128, u32, &'static str); 11] = [
                (0, 128, "unspecified"),
                (1, 128, "loopback"),
                (0, 96, "IPv4-compatible"),
                (0x0064_ff9b << 96, 96, "NAT64"),
                (0x0064_ff9b_0001 << 80, 48, "NAT64"),
                (0x0100 << 112, 64, "discard"),
                (0x2001_0db8 << 96, 32, "documentation"),
                (0x2001 << 112, 32, "Teredo"),
                (0x2002 << 112, 16, "6to4"),
                (0xfc00 << 112, 7, "unique-local"),
                (0xfe80 << 112, 10, "link-local"),
            ];
            if let Some((_, _, kind)) = ranges.iter().find(|(n, p, _)| v6_in(a, *n, *p)) {
                return Some(kind);
            }
            // Only global unicast (2000::/3) is public; the rest is multicast or reserved.
            if v6_in(a, 0xff00 << 112, 8) {
                Some("multicast")
            } else if !v6_in(a, 0x2000 << 112, 3) {
                Some("reserved")
            } else {
                None
            }
        }
    }
}

/// Names that are never a receiver elsewhere, whatever they resolve to.
fn internal_name(host: &str) -> bool {
    host == "localhost"
        || [".localhost", ".local", ".internal", ".home.arpa"]
            .iter()
            .any(|s| host.ends_with(s))
}

/// The operator's policy and the resolver the checks use.
#[derive(Clone, Default)]
pub struct Egress {
    pub allow_http: bool,
    pub allow_nets: Vec<Net>,
    pub resolver: Resolver,
}

/// Why a destination is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

impl Egress {
    pub fn new(cfg: &crate::config::WebhookConfig) -> Self {
        Egress {
            allow_http: cfg.allow_http,
            allow_nets: cfg.allow_nets.clone(),
            resolver: Resolver::default(),
        }
    }

    /// Whether a receiver may be at `ip`.
    pub fn permits(&self, ip: IpAddr) -> Result<(), Refused> {
        if self.allow_nets.iter().any(|n| n.contains(ip)) {
            return Ok(());
        }
        match internal_kind(ip) {
            None => Ok(()),
            Some(kind) => Err(Refused(format!(
                "resolves to a {kind} address ({ip}); receivers must be public unless the operator allows the range"
            ))),
        }
    }

    /// The check made before each attempt: the scheme, an address written in the URL, and names
    /// that are never public. Other names are checked where they are resolved ([`Guarded`]).
    pub fn check_literal(&self, url: &Url) -> Result<(), Refused> {
        self.check_scheme(url)?;
        match url.host() {
            Some(url::Host::Ipv4(a)) => self.permits(IpAddr::V4(a)),
            Some(url::Host::Ipv6(a)) => self.permits(IpAddr::V6(a)),
            Some(url::Host::Domain(name)) if internal_name(&normalise(name)) => Err(Refused(
                format!("names `{}`, which is never a public host", normalise(name)),
            )),
            Some(_) => Ok(()),
            None => Err(Refused("must name a host".into())),
        }
    }

    fn check_scheme(&self, url: &Url) -> Result<(), Refused> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if self.allow_http => Ok(()),
            "http" => Err(Refused(
                "must be an https URL (plain http is off unless the operator allows it)".into(),
            )),
            _ => Err(Refused("must be an https URL".into())),
        }
    }

    /// The whole check of a receiver URL: scheme, name, and every address it resolves to now.
    pub async fn check(&self, url: &Url) -> Result<(), Refused> {
        self.check_literal(url)?;
        match url.host() {
            Some(url::Host::Domain(name)) => {
                let name = normalise(name);
                let port = url.port_or_known_default().unwrap_or(443);
                let addrs = self
                    .resolver
                    .resolve(&name, port)
                    .await
                    .map_err(|_| Refused(format!("names `{name}`, which does not resolve")))?;
                for a in &addrs {
                    self.permits(a.ip())?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

/// Lower case, without the root's trailing dot (`LOCALHOST.` is `localhost`).
fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The system resolver, with fixed answers for names the operator (or a test) pins.
#[derive(Clone, Default)]
pub struct Resolver {
    pinned: Arc<RwLock<HashMap<String, Vec<IpAddr>>>>,
}

impl Resolver {
    /// Answers `name` with `addrs` from now on (an empty list forgets the name).
    pub fn pin(&self, name: &str, addrs: Vec<IpAddr>) {
        if let Ok(mut m) = self.pinned.write() {
            if addrs.is_empty() {
                m.remove(&normalise(name));
            } else {
                m.insert(normalise(name), addrs);
            }
        }
    }

    pub async fn resolve(&self, name: &str, port: u16) -> std::io::Result<Vec<SocketAddr>> {
        let pinned = self
            .pinned
            .read()
            .ok()
            .and_then(|m| m.get(&normalise(name)).cloned());
        if let Some(ips) = pinned {
            return Ok(ips
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect());
        }
        let found: Vec<SocketAddr> = tokio::net::lookup_host((name, port)).await?.collect();
        if found.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no address",
            ));
        }
        Ok(found)
    }
}

/// The resolver the delivery client connects through: it refuses, at connect time, a name whose
/// addresses are not all permitted, so a name re-pointed inside the network after registration
/// is caught before any byte is sent.
pub struct Guarded(pub Arc<Egress>);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let egress = self.0.clone();
        let name = name.as_str().to_string();
        Box::pin(async move {
            let addrs = egress.resolver.resolve(&name, 0).await?;
            for a in &addrs {
                egress.permits(a.ip())?;
            }
            let it: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

/// Whether a failed request was refused by the egress policy (anywhere in its causes).
pub fn refused_in<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(r) = err.downcast_ref::<Refused>() {
            return Some(r);
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn egress(nets: &[&str]) -> Egress {
        Egress {
            allow_http: true,
            allow_nets: nets.iter().map(|n| Net::parse(n).unwrap()).collect(),
            resolver: Resolver::default(),
        }
    }

    async fn refused(e: &Egress, url: &str) -> bool {
        match Url::parse(url) {
            Ok(u) => e.check(&u).await.is_err(),
            Err(_) => true,
        }
    }

    #[tokio::test]
    async fn internal_addresses_are_refused_in_every_spelling() {
        let e = egress(&[]);
        e.resolver
            .pin("evil.example", vec!["127.0.0.1".parse().unwrap()]);
        e.resolver.pin(
            "mixed.example",
            vec!["8.8.8.8".parse().unwrap(), "10.1.2.3".parse().unwrap()],
        );
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://metadata.google.internal/",
            "http://10.0.0.1:6379/",
            "http://192.168.1.1/",
            "http://127.0.0.1:5432/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::1]/",
            "http://[::]/",
            "http://LOCALHOST./",
            "http://foo.localhost/",
            "http://2130706433/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://0/",
            "http://100.64.0.1/",
            "http://[fe80::1]/",
            "http://[64:ff9b::7f00:1]/",
            "http://[2002:7f00:1::]/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
            "http://evil.example/",
            "http://EVIL.example./",
            "http://mixed.example/",
            "http://printer.local/",
        ] {
            assert!(refused(&e, url).await, "{url} was accepted");
        }
        e.resolver
            .pin("hooks.example", vec!["8.8.8.8".parse().unwrap()]);
        assert!(!refused(&e, "https://hooks.example/khoi").await);
        assert!(!refused(&e, "https://1.1.1.1/").await);
        assert!(!refused(&e, "https://[2606:4700::1111]/").await);
    }

    #[tokio::test]
    async fn plain_http_needs_the_operator() {
        let mut e = egress(&[]);
        e.allow_http = false;
        assert!(refused(&e, "http://1.1.1.1/").await);
        assert!(!refused(&e, "https://1.1.1.1/").await);
    }

    #[tokio::test]
    async fn allowed_ranges_open_only_themselves() {
        let e = egress(&["10.20.0.0/16", "127.0.0.1"]);
        assert!(!refused(&e, "http://10.20.3.4/").await);
        assert!(!refused(&e, "http://127.0.0.1:9000/").await);
        assert!(refused(&e, "http://10.21.0.1/").await);
        assert!(refused(&e, "http://127.0.0.2/").await);
        assert!(Net::parse("10.0.0.0/33").is_err());
        assert!(Net::parse("nope").is_err());
        assert!(
            Net::parse("::/0")
                .unwrap()
                .contains("fd00::1".parse().unwrap())
        );
    }
}
