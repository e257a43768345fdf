//! The handshake (`initialize`), the server's capabilities, and `server/discover` (its stateless
//! counterpart).

use super::{lock, Legacy, Session};
use crate::jsonrpc::ErrorObject;
use crate::protocol::ProtocolVersion;
use crate::server::handler::ClientInfo;
use serde_json::{json, Map, Value};
use std::sync::Arc;

impl Session {
    pub(super) fn initialize(self: &Arc<Self>, params: &Value) -> Result<Value, ErrorObject> {
        let requested = params
            .get("protocolVersion")
            .and_then(Value::as_str)
            .ok_or_else(|| ErrorObject::invalid_params("initialize needs params.protocolVersion (a string)"))?;
        // Echo a supported handshake-era revision; otherwise offer our newest one.
        let version =
            ProtocolVersion::parse(requested).filter(|v| !v.is_modern()).unwrap_or(ProtocolVersion::LATEST_LEGACY);
        let client = ClientInfo {
            info: params.get("clientInfo").cloned(),
            capabilities: params.get("capabilities").cloned().unwrap_or_else(|| json!({})),
        };
        *lock(&self.legacy) = Some(Legacy { version, client: Arc::new(client), initialized: false });
        let me = Arc::downgrade(self);
        *lock(&self.listening) = Some(self.server.listen(move |change| {
            if let Some(s) = me.upgrade() {
                s.on_change(change);
            }
        }));
        let config = self.server.config();
        let mut result = Map::new();
        result.insert("protocolVersion".into(), Value::from(version.as_str()));
        result.insert("capabilities".into(), self.capabilities());
        self.add_task_capability(version, &mut result);
        result.insert("serverInfo".into(), self.server.implementation().clone());
        if let Some(i) = &config.instructions {
            result.insert("instructions".into(), Value::from(i.as_str()));
        }
        Ok(Value::Object(result))
    }

    pub(super) fn capabilities(&self) -> Value {
        let mut caps = json!({
            "tools": {"listChanged": true},
            "resources": {"subscribe": true, "listChanged": true},
            "prompts": {"listChanged": true},
            "logging": {},
        });
        if self.server.handler().completes() {
            caps["completions"] = json!({});
        }
        caps
    }

    pub(super) fn discover(&self) -> Map<String, Value> {
        let mut result = Map::new();
        let versions: Vec<_> = ProtocolVersion::ALL.iter().rev().map(|v| v.as_str()).collect();
        result.insert("supportedVersions".into(), json!(versions));
        result.insert("capabilities".into(), self.capabilities());
        self.add_task_capability(ProtocolVersion::LATEST, &mut result);
        if let Some(i) = &self.server.config().instructions {
            result.insert("instructions".into(), Value::from(i.as_str()));
        }
        result
    }
}
