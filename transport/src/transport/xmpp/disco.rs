//! Service discovery (XEP-0030) as OpenADR uses it (spec digest §3 "Service discovery",
//! §9.3.2): the VTN answers `disco#info` with the OpenADR feature and `disco#items` on the
//! services node with one item per service; the VEN asks both and learns where to send each
//! service's payloads.

use super::xml::{escape, Element};
use super::{Jid, XmppError};
use crate::transport::Service;
use std::collections::BTreeMap;

/// XEP-0030 info namespace.
pub const NS_DISCO_INFO: &str = "http://jabber.org/protocol/disco#info";
/// XEP-0030 items namespace.
pub const NS_DISCO_ITEMS: &str = "http://jabber.org/protocol/disco#items";
/// XEP-0199 ping namespace.
pub const NS_PING: &str = "urn:xmpp:ping";
/// The feature an OpenADR 2.0b XMPP entity advertises (§9.3.2).
pub const FEATURE_OPENADR: &str = "http://openadr.org/openadr2";
/// The node whose items are the OpenADR services (§9.3.2).
pub const NODE_SERVICES: &str = "http://openadr.org/openadr2#services";

/// The disco node naming a service, e.g. `http://openadr.org/OpenADR2/EiEvent` (§9.3.2).
pub fn service_node(s: Service) -> String {
    format!("http://openadr.org/OpenADR2/{}", s.name())
}

/// The service a disco node names.
pub fn node_service(node: &str) -> Option<Service> {
    let name = node.strip_prefix("http://openadr.org/OpenADR2/")?;
    Service::ALL.into_iter().find(|s| s.name() == name)
}

/// One `disco#items` item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoItem {
    /// Where to send.
    pub jid: Jid,
    /// The node (for OpenADR: the service).
    pub node: Option<String>,
    /// A human-readable name.
    pub name: Option<String>,
}

/// What this entity answers to disco queries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disco {
    /// `(category, type, name)` of the identity; `("client", "bot", "oadr")` when empty.
    pub identity: Option<(String, String, String)>,
    /// Features beyond disco#info, disco#items and ping (always listed).
    pub features: Vec<String>,
    /// Items answered for node [`NODE_SERVICES`].
    pub service_items: Vec<DiscoItem>,
}

impl Disco {
    /// What a VTN at `jid` answers: the OpenADR feature and the services EiRegisterParty,
    /// EiEvent, EiReport and EiOpt at that JID (no OadrPoll: XMPP needs no polling, §9.3.1).
    pub fn vtn(jid: &Jid) -> Disco {
        Disco {
            identity: Some(("client".into(), "bot".into(), "OpenADR 2.0b VTN".into())),
            features: vec![FEATURE_OPENADR.into()],
            service_items: [
                Service::EiRegisterParty,
                Service::EiEvent,
                Service::EiReport,
                Service::EiOpt,
            ]
            .into_iter()
            .map(|s| DiscoItem {
                jid: jid.clone(),
                node: Some(service_node(s)),
                name: Some(s.name().into()),
            })
            .collect(),
        }
    }

    /// The `<query/>` answering a disco#info or disco#items request, `None` when the query is
    /// not a disco one.
    pub(crate) fn answer(&self, query: &Element) -> Option<Result<String, super::StanzaError>> {
        let node = query.attr("node");
        let node_attr = node
            .map(|n| format!(" node='{}'", escape(n)))
            .unwrap_or_default();
        if query.name == "query" && query.ns == NS_DISCO_INFO {
            if node.is_some_and(|n| n != NODE_SERVICES && node_service(n).is_none()) {
                return Some(Err(super::StanzaError::new("cancel", "item-not-found")));
            }
            let (cat, ty, name) = self
                .identity
                .clone()
                .unwrap_or_else(|| ("client".into(), "bot".into(), "oadr".into()));
            let mut s = format!(
                "<query xmlns='{NS_DISCO_INFO}'{node_attr}><identity category='{}' type='{}' name='{}'/>",
                escape(&cat),
                escape(&ty),
                escape(&name)
            );
            let base = [NS_DISCO_INFO, NS_DISCO_ITEMS, NS_PING];
            for f in base
                .iter()
                .copied()
                .chain(self.features.iter().map(String::as_str))
            {
                s.push_str(&format!("<feature var='{}'/>", escape(f)));
            }
            s.push_str("</query>");
            return Some(Ok(s));
        }
        if query.name == "query" && query.ns == NS_DISCO_ITEMS {
            let mut s = format!("<query xmlns='{NS_DISCO_ITEMS}'{node_attr}>");
            if node == Some(NODE_SERVICES) {
                for it in &self.service_items {
                    s.push_str(&format!("<item jid='{}'", escape(&it.jid.to_string())));
                    if let Some(n) = &it.node {
                        s.push_str(&format!(" node='{}'", escape(n)));
                    }
                    if let Some(n) = &it.name {
                        s.push_str(&format!(" name='{}'", escape(n)));
                    }
                    s.push_str("/>");
                }
            } else if node.is_some() {
                return Some(Err(super::StanzaError::new("cancel", "item-not-found")));
            }
            s.push_str("</query>");
            return Some(Ok(s));
        }
        None
    }
}

/// A `disco#info` query.
pub fn info_query(node: Option<&str>) -> String {
    match node {
        Some(n) => format!("<query xmlns='{NS_DISCO_INFO}' node='{}'/>", escape(n)),
        None => format!("<query xmlns='{NS_DISCO_INFO}'/>"),
    }
}

/// A `disco#items` query.
pub fn items_query(node: Option<&str>) -> String {
    match node {
        Some(n) => format!("<query xmlns='{NS_DISCO_ITEMS}' node='{}'/>", escape(n)),
        None => format!("<query xmlns='{NS_DISCO_ITEMS}'/>"),
    }
}

/// The features of a disco#info answer.
pub fn features(query: &Element) -> Vec<String> {
    query
        .children
        .iter()
        .filter(|c| c.name == "feature" && c.ns == NS_DISCO_INFO)
        .filter_map(|c| c.attr("var").map(str::to_owned))
        .collect()
}

/// The items of a disco#items answer (items with an unparsable JID are an error).
pub fn items(query: &Element) -> Result<Vec<DiscoItem>, XmppError> {
    query
        .children
        .iter()
        .filter(|c| c.name == "item" && c.ns == NS_DISCO_ITEMS)
        .map(|c| {
            let jid = c
                .attr("jid")
                .ok_or_else(|| XmppError::Xml {
                    path: "/iq/query/item".into(),
                    message: "item without jid".into(),
                })?
                .parse()?;
            Ok(DiscoItem {
                jid,
                node: c.attr("node").map(str::to_owned),
                name: c.attr("name").map(str::to_owned),
            })
        })
        .collect()
}

/// Where each service is, from the items of node [`NODE_SERVICES`]. EiRegisterParty,
/// EiEvent, EiReport and EiOpt must all be there (the stale `EiFeedback` of the spec's
/// example is ignored).
pub fn services(items: &[DiscoItem]) -> Result<BTreeMap<Service, Jid>, XmppError> {
    let mut map = BTreeMap::new();
    for it in items {
        if let Some(s) = it.node.as_deref().and_then(node_service) {
            map.entry(s).or_insert_with(|| it.jid.clone());
        }
    }
    for s in [
        Service::EiRegisterParty,
        Service::EiEvent,
        Service::EiReport,
        Service::EiOpt,
    ] {
        if !map.contains_key(&s) {
            return Err(XmppError::Protocol(format!(
                "service discovery: no item for {} under {NODE_SERVICES}",
                service_node(s)
            )));
        }
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::xmpp::xml::parse_element;

    #[test]
    fn vtn_answers_round_trip_through_the_ven_parser() {
        let vtn: Jid = "vtn@localhost/oadr".parse().unwrap();
        let d = Disco::vtn(&vtn);
        let q = parse_element(items_query(Some(NODE_SERVICES)).as_bytes(), &[]).unwrap();
        let answer = d.answer(&q).unwrap().unwrap();
        let parsed = parse_element(answer.as_bytes(), &[]).unwrap();
        let map = services(&items(&parsed).unwrap()).unwrap();
        assert_eq!(map.len(), 4);
        assert_eq!(map[&Service::EiEvent], vtn);
        let q = parse_element(info_query(None).as_bytes(), &[]).unwrap();
        let info = parse_element(d.answer(&q).unwrap().unwrap().as_bytes(), &[]).unwrap();
        assert!(features(&info).iter().any(|f| f == FEATURE_OPENADR));
        // Unknown nodes are item-not-found; other queries are not disco's business.
        let q = parse_element(info_query(Some("urn:nope")).as_bytes(), &[]).unwrap();
        assert!(d.answer(&q).unwrap().is_err());
        let q = parse_element(b"<ping xmlns='urn:xmpp:ping'/>", &[]).unwrap();
        assert!(d.answer(&q).is_none());
    }

    #[test]
    fn missing_services_are_an_error() {
        let vtn: Jid = "vtn@localhost".parse().unwrap();
        let mut d = Disco::vtn(&vtn);
        d.service_items
            .retain(|i| i.node.as_deref() != Some(&service_node(Service::EiOpt)));
        assert!(services(&d.service_items).is_err());
    }
}
