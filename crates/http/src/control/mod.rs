//! The control API: JSON under `/api/`, live events over SSE, the OpenAPI document, and the UI.
//! The whole route table is here, on one screen.

mod auth;
mod batches;
mod captures;
mod consume;
mod destinations;
mod endpoints;
mod events;
mod exchange;
mod faults;
mod forward;
mod info;
mod metrics;
mod replay;
mod settings;
mod signatures;
mod stream;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use axum::routing::{any, get, post};
use hookbench_engine::Engine;
use tokio::sync::watch;
use tower_http::cors::{AllowOrigin, CorsLayer};
use utoipa::OpenApi;

pub use auth::Guard;

use crate::error::ApiError;

#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub receiver_url: Arc<str>,
    pub api_url: Arc<str>,
    /// The API token: redacted from exports.
    pub token: Arc<str>,
    pub shutdown: watch::Receiver<bool>,
    pub ui: Arc<crate::ui::UiSource>,
}

pub fn router(state: AppState, guard: Arc<Guard>) -> Router {
    let authed = Router::new()
        .route("/api/info", get(info::info))
        .route("/api/settings", get(settings::get).put(settings::update))
        .route("/api/metrics", get(metrics::metrics))
        .route("/api/metrics/prometheus", get(metrics::prometheus))
        .route("/api/alerts", get(metrics::alerts))
        .route("/api/alerts/rules", axum::routing::put(metrics::update_rules))
        .route("/api/storage", get(metrics::storage))
        .route("/api/captures", get(captures::list).delete(captures::clear))
        .route("/api/captures/{id}", get(captures::get).delete(captures::delete))
        .route("/api/captures/{id}/body", get(captures::body))
        .route("/api/captures/{id}/replay", post(replay::replay_capture))
        .route("/api/replays", get(batches::list).post(batches::create))
        .route("/api/export", post(exchange::export))
        .route("/api/import", post(exchange::import).layer(DefaultBodyLimit::max(exchange::MAX_IMPORT_BYTES)))
        .route("/api/replays/preview", post(batches::preview))
        .route("/api/replays/{id}", get(batches::get))
        .route("/api/replays/{id}/pause", post(batches::pause))
        .route("/api/replays/{id}/resume", post(batches::resume))
        .route("/api/replays/{id}/cancel", post(batches::cancel))
        .route("/api/endpoints", get(endpoints::list).post(endpoints::create))
        .route("/api/endpoints/{id}", get(endpoints::get).put(endpoints::update).delete(endpoints::delete))
        .route(
            "/api/endpoints/{id}/faults",
            get(faults::list).put(faults::replace).post(faults::add).delete(faults::clear),
        )
        .route("/api/endpoints/{id}/faults/{plan}", axum::routing::delete(faults::remove))
        .route("/api/endpoints/{id}/held", get(forward::held))
        .route("/api/endpoints/{id}/release", post(forward::release_endpoint))
        .route("/api/endpoints/{id}/stream", get(consume::stream))
        .route("/api/endpoints/{id}/poll", get(consume::poll))
        .route("/api/endpoints/{id}/ack", post(consume::ack))
        .route("/api/faults", get(faults::active).delete(faults::heal_all))
        .route("/api/fault-presets", get(faults::list_presets))
        .route("/api/schemes", get(signatures::schemes))
        .route("/api/verify", post(signatures::verify))
        .route("/api/sign", post(signatures::sign))
        .route("/api/destinations", get(destinations::list).post(destinations::create))
        .route("/api/destinations/{id}", get(destinations::get).put(destinations::update).delete(destinations::delete))
        .route("/api/events", get(events::list).post(events::create))
        .route("/api/events/{id}", get(events::get))
        .route("/api/events/{id}/retry", post(events::retry))
        .route("/api/events/{id}/cancel", post(events::cancel))
        .route("/api/events/{id}/resend", post(events::resend))
        .route("/api/events/{id}/release", post(forward::release_event))
        .route("/api/dead-letters", get(events::dead_letters))
        .route("/api/retry-presets", get(events::retry_presets))
        .route("/api/stream", get(stream::stream))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/{*rest}", any(unknown_route))
        .route_layer(from_fn_with_state(guard.clone(), auth::require_token));

    let cors_guard = guard.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().map(|o| cors_guard.origin_allowed(o)).unwrap_or(false)
        }))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, "last-event-id".parse().unwrap_or(header::ACCEPT)])
        .max_age(std::time::Duration::from_secs(600));

    Router::new()
        .route("/api/health", get(info::health))
        .merge(authed)
        .fallback(crate::ui::serve)
        .layer(from_fn_with_state(guard, auth::check_host_and_origin))
        .layer(cors)
        .with_state(state)
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such API route; see /api/openapi.json")
}

async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Hookbench control API", description = "Every route but /api/health needs `Authorization: Bearer <token>`."),
    paths(
        info::health, info::info, settings::get, settings::update,
        metrics::metrics, metrics::prometheus, metrics::alerts, metrics::update_rules, metrics::storage,
        captures::list, captures::get, captures::body, captures::delete, captures::clear,
        endpoints::list, endpoints::create, endpoints::get, endpoints::update, endpoints::delete,
        signatures::schemes, signatures::verify, signatures::sign,
        faults::list_presets, faults::active, faults::heal_all, faults::list, faults::replace, faults::add, faults::clear, faults::remove,
        stream::stream,
        destinations::list, destinations::create, destinations::get, destinations::update, destinations::delete,
        events::create, events::list, events::get, events::retry, events::cancel, events::resend, events::dead_letters, events::retry_presets,
        forward::release_event, forward::release_endpoint, forward::held, consume::stream, consume::poll, consume::ack,
        replay::replay_capture,
        exchange::export, exchange::import,
        batches::preview, batches::create, batches::list, batches::get, batches::pause, batches::resume, batches::cancel,
    ),
    components(schemas(crate::error::ErrorBody, hookbench_domain::capture::HeaderView)),
    modifiers(&BearerAuth, &ErrorResponses),
    security(("bearer" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The errors every route can answer, documented once for all: 401 (no or wrong token) on every
/// route but health, 400 on routes with path or query parameters (a malformed id or filter), and
/// 400/415/422 on routes that take a JSON body (bad syntax, not JSON, wrong shape). Each is an
/// `ErrorBody`; a route's own annotation wins where it documents the same status.
struct ErrorResponses;

impl utoipa::Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            for op in ops.into_iter().flatten() {
                let mut add = |status: &str, description: &str| {
                    op.responses.responses.entry(status.to_owned()).or_insert_with(|| error(description).into());
                };
                if path != "/api/health" {
                    add("401", "missing or wrong API token");
                }
                if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    add("400", "a malformed path or query parameter");
                }
                if op.request_body.is_some() {
                    add("400", "the body is not valid JSON");
                    add("415", "the body was not sent as application/json");
                    add("422", "the JSON does not have the expected shape or values");
                }
            }
        }
    }
}

/// The OpenAPI document of the control API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
