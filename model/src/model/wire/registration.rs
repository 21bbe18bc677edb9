//! EiRegisterParty conversions.

use super::common::{
    ei_response_from, ei_response_to, registration_id_from, registration_id_to, schema_version,
};
use super::{dprop_from_wire, dprop_to_wire, model_token, token_value, Path, Result};
use crate::model::{
    CancelPartyRegistration, CanceledPartyRegistration, CreatePartyRegistration,
    CreatedPartyRegistration, Extension, Info, Profile, QueryRegistration, RequestReregistration,
    Service, ServiceSpecificInfo, Transport,
};
use crate::wire::generated::oadr;

pub(crate) fn query_from(w: &oadr::OadrQueryRegistrationType) -> QueryRegistration {
    QueryRegistration {
        request_id: w.request_id.clone(),
    }
}

pub(crate) fn query_to(m: &QueryRegistration) -> oadr::OadrQueryRegistrationType {
    oadr::OadrQueryRegistrationType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
    }
}

pub(crate) fn create_from(
    w: &oadr::OadrCreatePartyRegistrationType,
    p: &Path,
) -> Result<CreatePartyRegistration> {
    Ok(CreatePartyRegistration {
        request_id: w.request_id.clone(),
        registration_id: w.registration_id.as_ref().map(registration_id_from),
        ven_id: w.ven_id.clone(),
        profile_name: model_token(&w.oadr_profile_name, &p.at("oadrProfileName"))?,
        transport_name: model_token(&w.oadr_transport_name, &p.at("oadrTransportName"))?,
        transport_address: w.oadr_transport_address.clone(),
        report_only: w.oadr_report_only,
        xml_signature: w.oadr_xml_signature,
        ven_name: w.oadr_ven_name.clone(),
        http_pull_model: w.oadr_http_pull_model,
    })
}

pub(crate) fn create_to(
    m: &CreatePartyRegistration,
    p: &Path,
) -> Result<oadr::OadrCreatePartyRegistrationType> {
    Ok(oadr::OadrCreatePartyRegistrationType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
        registration_id: m.registration_id.as_deref().map(registration_id_to),
        ven_id: m.ven_id.clone(),
        oadr_profile_name: token_value(m.profile_name.as_str(), &p.at("oadrProfileName"))?,
        oadr_transport_name: token_value(m.transport_name.as_str(), &p.at("oadrTransportName"))?,
        oadr_transport_address: m.transport_address.clone(),
        oadr_report_only: m.report_only,
        oadr_xml_signature: m.xml_signature,
        oadr_ven_name: m.ven_name.clone(),
        oadr_http_pull_model: m.http_pull_model,
    })
}

fn info_from(w: &[oadr::OadrInfoElementType]) -> Vec<Info> {
    w.iter()
        .map(|i| Info {
            key: i.oadr_key.clone(),
            value: i.oadr_value.clone(),
        })
        .collect()
}

fn info_to(m: &[Info]) -> Vec<oadr::OadrInfoElementType> {
    m.iter()
        .map(|i| oadr::OadrInfoElementType {
            oadr_key: i.key.clone(),
            oadr_value: i.value.clone(),
        })
        .collect()
}

pub(crate) fn created_from(
    w: &oadr::OadrCreatedPartyRegistrationType,
    p: &Path,
) -> Result<CreatedPartyRegistration> {
    let pp = p.at("oadrProfiles");
    let sp = p.at("oadrServiceSpecificInfo");
    Ok(CreatedPartyRegistration {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        registration_id: w.registration_id.as_ref().map(registration_id_from),
        ven_id: w.ven_id.clone(),
        vtn_id: w.vtn_id.clone(),
        profiles: w
            .oadr_profiles
            .oadr_profile
            .iter()
            .enumerate()
            .map(|(i, prof)| {
                let q = pp.nth("oadrProfile", i);
                let tp = q.at("oadrTransports");
                Ok(Profile {
                    profile_name: model_token(&prof.oadr_profile_name, &q.at("oadrProfileName"))?,
                    transports: prof
                        .oadr_transports
                        .oadr_transport
                        .iter()
                        .enumerate()
                        .map(|(j, t)| {
                            Ok(Transport {
                                transport_name: model_token(
                                    &t.oadr_transport_name,
                                    &tp.nth("oadrTransport", j),
                                )?,
                            })
                        })
                        .collect::<Result<_>>()?,
                })
            })
            .collect::<Result<_>>()?,
        requested_oadr_poll_freq: w
            .oadr_requested_oadr_poll_freq
            .as_ref()
            .map(|d| dprop_from_wire(d, &p.at("oadrRequestedOadrPollFreq")))
            .transpose()?,
        service_specific_info: match &w.oadr_service_specific_info {
            Some(s) => Some(ServiceSpecificInfo {
                service: s
                    .oadr_service
                    .iter()
                    .enumerate()
                    .map(|(i, svc)| {
                        Ok(Service {
                            service_name: model_token(
                                &svc.oadr_service_name,
                                &sp.nth("oadrService", i).at("oadrServiceName"),
                            )?,
                            info: info_from(&svc.oadr_info),
                        })
                    })
                    .collect::<Result<_>>()?,
            }),
            None => None,
        },
        extensions: w.oadr_extensions.as_ref().map(|e| {
            e.oadr_extension
                .iter()
                .map(|x| Extension {
                    extension_name: x.oadr_extension_name.clone(),
                    info: info_from(&x.oadr_info),
                })
                .collect()
        }),
    })
}

pub(crate) fn created_to(
    m: &CreatedPartyRegistration,
    p: &Path,
) -> Result<oadr::OadrCreatedPartyRegistrationType> {
    let pp = p.at("oadrProfiles");
    let sp = p.at("oadrServiceSpecificInfo");
    Ok(oadr::OadrCreatedPartyRegistrationType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        registration_id: m.registration_id.as_deref().map(registration_id_to),
        ven_id: m.ven_id.clone(),
        vtn_id: m.vtn_id.clone(),
        oadr_profiles: oadr::OadrProfilesElementType {
            oadr_profile: m
                .profiles
                .iter()
                .enumerate()
                .map(|(i, prof)| {
                    let q = pp.nth("oadrProfile", i);
                    Ok(oadr::OadrProfilesOadrProfileElementType {
                        oadr_profile_name: token_value(
                            prof.profile_name.as_str(),
                            &q.at("oadrProfileName"),
                        )?,
                        oadr_transports: oadr::OadrTransportsElementType {
                            oadr_transport: prof
                                .transports
                                .iter()
                                .map(|t| {
                                    Ok(oadr::OadrTransportsOadrTransportElementType {
                                        oadr_transport_name: token_value(
                                            t.transport_name.as_str(),
                                            &q.at("oadrTransports"),
                                        )?,
                                    })
                                })
                                .collect::<Result<_>>()?,
                        },
                    })
                })
                .collect::<Result<_>>()?,
        },
        oadr_requested_oadr_poll_freq: m
            .requested_oadr_poll_freq
            .as_ref()
            .map(|d| dprop_to_wire(d, &p.at("oadrRequestedOadrPollFreq")))
            .transpose()?,
        oadr_service_specific_info: match &m.service_specific_info {
            Some(s) => Some(oadr::OadrServiceSpecificInfoElementType {
                oadr_service: s
                    .service
                    .iter()
                    .enumerate()
                    .map(|(i, svc)| {
                        Ok(oadr::OadrServiceSpecificInfoOadrServiceElementType {
                            oadr_service_name: token_value(
                                svc.service_name.as_str(),
                                &sp.nth("oadrService", i),
                            )?,
                            oadr_info: info_to(&svc.info),
                        })
                    })
                    .collect::<Result<_>>()?,
            }),
            None => None,
        },
        oadr_extensions: m.extensions.as_ref().map(|e| {
            oadr::OadrCreatedPartyRegistrationTypeOadrExtensionsElementType {
                oadr_extension: e
                    .iter()
                    .map(|x| oadr::OadrCreatedPartyRegistrationTypeOadrExtensionsOadrExtensionElementType {
                        oadr_extension_name: x.extension_name.clone(),
                        oadr_info: info_to(&x.info),
                    })
                    .collect(),
            }
        }),
    })
}

pub(crate) fn cancel_from(w: &oadr::OadrCancelPartyRegistrationType) -> CancelPartyRegistration {
    CancelPartyRegistration {
        request_id: w.request_id.clone(),
        registration_id: registration_id_from(&w.registration_id),
        ven_id: w.ven_id.clone(),
    }
}

pub(crate) fn cancel_to(m: &CancelPartyRegistration) -> oadr::OadrCancelPartyRegistrationType {
    oadr::OadrCancelPartyRegistrationType {
        schema_version: Some(schema_version()),
        request_id: m.request_id.clone(),
        registration_id: registration_id_to(&m.registration_id),
        ven_id: m.ven_id.clone(),
    }
}

pub(crate) fn canceled_from(
    w: &oadr::OadrCanceledPartyRegistrationType,
    p: &Path,
) -> Result<CanceledPartyRegistration> {
    Ok(CanceledPartyRegistration {
        response: ei_response_from(&w.ei_response, &p.at("eiResponse"))?,
        registration_id: w.registration_id.as_ref().map(registration_id_from),
        ven_id: w.ven_id.clone(),
    })
}

pub(crate) fn canceled_to(
    m: &CanceledPartyRegistration,
    p: &Path,
) -> Result<oadr::OadrCanceledPartyRegistrationType> {
    Ok(oadr::OadrCanceledPartyRegistrationType {
        schema_version: Some(schema_version()),
        ei_response: ei_response_to(&m.response, &p.at("eiResponse"))?,
        registration_id: m.registration_id.as_deref().map(registration_id_to),
        ven_id: m.ven_id.clone(),
    })
}

pub(crate) fn rereg_from(w: &oadr::OadrRequestReregistrationType) -> RequestReregistration {
    RequestReregistration {
        ven_id: w.ven_id.clone(),
    }
}

pub(crate) fn rereg_to(m: &RequestReregistration) -> oadr::OadrRequestReregistrationType {
    oadr::OadrRequestReregistrationType {
        schema_version: Some(schema_version()),
        ven_id: m.ven_id.clone(),
    }
}
