//! XMPP addresses (RFC 7622): `localpart@domainpart/resourcepart`.

use super::XmppError;
use std::fmt;
use std::str::FromStr;

/// A JID. Bare (`ven1@localhost`), full (`ven1@localhost/oadr`) or a domain (`localhost`).
/// The domain is kept lowercase so that comparisons follow RFC 7622's case-insensitive
/// domainpart; localpart and resource are kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jid {
    local: Option<String>,
    domain: String,
    resource: Option<String>,
}

/// The longest part RFC 7622 allows (in octets).
const MAX_PART: usize = 1023;

impl Jid {
    /// The localpart (account name), if any.
    pub fn local(&self) -> Option<&str> {
        self.local.as_deref()
    }

    /// The domainpart (the server).
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The resourcepart, if any.
    pub fn resource(&self) -> Option<&str> {
        self.resource.as_deref()
    }

    /// The same address without its resource.
    pub fn bare(&self) -> Jid {
        Jid {
            resource: None,
            ..self.clone()
        }
    }

    /// The server's own address (the domain alone).
    pub fn domain_jid(&self) -> Jid {
        Jid {
            local: None,
            domain: self.domain.clone(),
            resource: None,
        }
    }

    /// This bare JID with `resource`.
    pub fn with_resource(&self, resource: impl Into<String>) -> Result<Jid, XmppError> {
        let r = resource.into();
        check_part("resourcepart", &r)?;
        Ok(Jid {
            resource: Some(r),
            ..self.clone()
        })
    }

    /// Whether it names a resource (a full JID).
    pub fn is_full(&self) -> bool {
        self.resource.is_some()
    }
}

fn check_part(what: &str, s: &str) -> Result<(), XmppError> {
    if s.is_empty() || s.len() > MAX_PART {
        return Err(XmppError::Jid(format!(
            "{what} must have 1 to {MAX_PART} octets"
        )));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(XmppError::Jid(format!("{what} holds a control character")));
    }
    Ok(())
}

impl FromStr for Jid {
    type Err = XmppError;

    fn from_str(s: &str) -> Result<Jid, XmppError> {
        let (rest, resource) = match s.split_once('/') {
            Some((r, res)) => (r, Some(res.to_owned())),
            None => (s, None),
        };
        let (local, domain) = match rest.split_once('@') {
            Some((l, d)) => (Some(l.to_owned()), d),
            None => (None, rest),
        };
        if let Some(l) = &local {
            check_part("localpart", l)?;
            if l.chars()
                .any(|c| c.is_whitespace() || "\"&'/:<>@".contains(c))
            {
                return Err(XmppError::Jid(format!(
                    "{s:?}: localpart holds a character RFC 7622 forbids"
                )));
            }
        }
        check_part("domainpart", domain)?;
        if domain.chars().any(|c| c.is_whitespace() || c == '@') {
            return Err(XmppError::Jid(format!("{s:?}: invalid domainpart")));
        }
        if let Some(r) = &resource {
            check_part("resourcepart", r)?;
        }
        Ok(Jid {
            local,
            domain: domain.trim_end_matches('.').to_ascii_lowercase(),
            resource,
        })
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.local {
            write!(f, "{l}@")?;
        }
        f.write_str(&self.domain)?;
        if let Some(r) = &self.resource {
            write!(f, "/{r}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_bare_and_domain() {
        let j: Jid = "ven1@LocalHost/oadr".parse().unwrap();
        assert_eq!(j.local(), Some("ven1"));
        assert_eq!(j.domain(), "localhost");
        assert_eq!(j.resource(), Some("oadr"));
        assert_eq!(j.to_string(), "ven1@localhost/oadr");
        assert_eq!(j.bare().to_string(), "ven1@localhost");
        assert_eq!(j.domain_jid().to_string(), "localhost");
        // A resource may itself hold '/' and '@'.
        let j: Jid = "a@b/c/d@e".parse().unwrap();
        assert_eq!(j.resource(), Some("c/d@e"));
        let d: Jid = "event.openadr2.xmpp.somevtn.net".parse().unwrap();
        assert!(d.local().is_none() && !d.is_full());
    }

    #[test]
    fn refuses_empty_and_forbidden_parts() {
        for bad in [
            "",
            "@localhost",
            "ven@",
            "ven@localhost/",
            "a b@c",
            "ven@local host",
            "a\u{0}@b",
        ] {
            assert!(bad.parse::<Jid>().is_err(), "{bad:?}");
        }
    }
}
