//! EiOpt conversions.

use super::common::{ei_response_from, ei_response_to, schema_version, targets_from, targets_to};
use super::event::{properties_from, properties_to};
use super::{model_token, time_from_wire, time_to_wire, token_value, Path, Result};
use crate::model::{CancelOpt, CanceledOpt, CreateOpt, CreatedOpt, Vavailability};
use crate::wire::generated::{ei, oadr, xcal};

pub(crate) fn create_from(w: &oadr::OadrCreateOptType, p: &Path) -> Result<CreateOpt> {
    let vp = p.at("vavailability");
    let cp = vp.at("components");
    Ok(CreateOpt {
        opt_id: w.opt_id.clone(),
        opt_type: model_token(&w.opt_type, &p.at("optType"))?,
        opt_reason: model_token(&w.opt_reason, &p.at("optReason"))?,
        market_context: w.market_context.clone(),
        ven_id: w.ven_id.clone(),
        vavailability: match &w.vavailability {
            Some(v) => Some(Vavailability {
                components: v
                    .components
                    .available
                    .iter()
                    .enumerate()
                    .map(|(i, a)| {
                        properties_from(&a.properties, &cp.nth("available", i).at("properties"))
                    })
                    .collect::<Result<_>>()?,
            }),
            None => None,
        },
        created_date_time: time_from_wire(&w.created_date_time, &p.at("createdDateTime"))?,
        request_id: w.request_id.clone(),
        event_id: w.qualified_event_id.as_ref().map(|q| q.event_id.clone()),
        modification_number: w.qualified_event_id.as_ref().map(|q| q.modification_number),
        targets: targets_from(&w.ei_target),
        device_class: w.oadr_device_class.as_ref().map(targets_from),
    })
}

pub(crate) fn create_to(m: &CreateOpt, p: &Path) -> Result<oadr::OadrCreateOptType> {
    let vp = p.at("vavailability");
    let cp = vp.at("components");
    let qualified = match (&m.event_id, m.modification_number) {
        (Some(id), n) => Some(ei::QualifiedEventIdType {
            event_id: id.clone(),
            modification_number: n.unwrap_or(0),
        }),
        (None, None) => None,
        (None, Some(_)) => {
            return Err(p
                .at("qualifiedEventID")
                .err("modification_number without event_id"))
        }
    };
    Ok(oadr::OadrCreateOptType {
        schema_version: Some(schema_version()),
        opt_id: m.opt_id.clone(),
        opt_type: token_value(m.opt_type.as_str(), &p.at("optType"))?,
        opt_reason: token_value(m.opt_reason.as_str(), &p.at("optReason"))?,
        market_context: m.market_context.clone(),
        ven_id: m.ven_id.clone(),
        vavailability: match &m.vavailability {
            Some(v) => Some(xcal::VavailabilityType {
                components: xcal::ArrayOfVavailabilityContainedComponentsType {
                    available: v
                        .components
                        .iter()
                        .enumerate()
                        .map(|(i, c)| {
                            Ok(xcal::AvailableType {
                                properties: properties_to(
                                    c,
                                    &cp.nth("available", i).at("properties"),
                                )?,
                            })
                        })
                        .collect::<Result<_>>()?,
                },
            }),
            None => None,
        },
        created_date_time: time_to_wire(&m.created_date_time, &p.at("createdDateTime"))?,
        request_id: m.request_id.clone(),
        qualified_event_id: qualified,
        ei_target: targets_to(&m.targets),
        oadr_device_class: m.device_class.as_ref().map(targets_to),
    })
}

pub(crate) fn created_from(w: &oadr::OadrCreatedOptType, p: &Path) -> Result<CreatedOpt> {
    Ok(CreatedOpt {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        opt_id: w.opt_id.clone(),
    })
}

pub(crate) fn created_to(m: &CreatedOpt, p: &Path) -> Result<oadr::OadrCreatedOptType> {
    Ok(oadr::OadrCreatedOptType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        opt_id: m.opt_id.clone(),
    })
}

pub(crate) fn cancel_from(w: &oadr::OadrCancelOptType) -> CancelOpt {
    CancelOpt {
        request_id: w.request_id.clone(),
        opt_id: w.opt_id.clone(),
        ven_id: w.ven_id.clone(),
    }
}

pub(crate) fn cancel_to(m: &CancelOpt) -> oadr::OadrCancelOptType {
    oadr::OadrCancelOptType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
        opt_id: m.opt_id.clone(),
        ven_id: m.ven_id.clone(),
    }
}

pub(crate) fn canceled_from(w: &oadr::OadrCanceledOptType, p: &Path) -> Result<CanceledOpt> {
    Ok(CanceledOpt {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        opt_id: w.opt_id.clone(),
    })
}

pub(crate) fn canceled_to(m: &CanceledOpt, p: &Path) -> Result<oadr::OadrCanceledOptType> {
    Ok(oadr::OadrCanceledOptType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        opt_id: m.opt_id.clone(),
    })
}
