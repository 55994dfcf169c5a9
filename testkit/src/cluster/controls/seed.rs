//! Filling a fake cluster before a test (typed objects, JSON values, YAML
//! files and folders) and dumping what it holds as YAML.

use std::path::{Path, PathBuf};

use rudder::Status;
use serde_json::Value;

use crate::cluster::fake_cluster::FakeCluster;
use crate::cluster::meta;

/// Why seeding failed: which object or file, and what the server said.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedError {
    /// A file or folder could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The YAML could not be parsed (the parser's message gives the line
    /// and column), or a document is not a mapping.
    #[error("{origin}: invalid YAML: {message}")]
    Yaml {
        /// The file, or `<string>`, and the document (from 1) when known.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// An object could not be serialized to JSON.
    #[error("cannot serialize the object: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The fake refused an object; `origin` names the file and the document.
    #[error("{origin}: cannot create {kind} {name:?}: {} ({})", .status.message, .status.reason)]
    Refused {
        /// The file and document (`seed/app.yaml, document 2`), or `<object>`.
        origin: String,
        /// The object's kind.
        kind: String,
        /// The object's name.
        name: String,
        /// The error the fake answered.
        status: Box<Status>,
    },
}

impl FakeCluster {
    /// Creates `object` (any serializable Kubernetes object with
    /// `apiVersion` and `kind`, such as a k8s-openapi type), keeping its
    /// `status`, and creating its namespace if missing. Returns the stored
    /// object.
    pub fn seed<T: serde::Serialize>(&self, object: &T) -> Result<Value, SeedError> {
        let value = serde_json::to_value(object)?;
        self.seed_value(value, "<object>")
    }

    /// Creates every object of `objects`, in order.
    pub fn seed_all<T: serde::Serialize>(
        &self,
        objects: impl IntoIterator<Item = T>,
    ) -> Result<Vec<Value>, SeedError> {
        objects.into_iter().map(|object| self.seed(&object)).collect()
    }

    /// Creates every object of a multi-document YAML string.
    pub fn seed_yaml(&self, yaml: &str) -> Result<Vec<Value>, SeedError> {
        self.seed_yaml_from(yaml, "<string>")
    }

    /// Creates every object of a YAML file, or of every `.yaml`/`.yml`
    /// file in a folder (sorted by name, recursively).
    pub fn seed_path(&self, path: impl AsRef<Path>) -> Result<Vec<Value>, SeedError> {
        let path = path.as_ref();
        let read_error = |source| SeedError::Read {
            path: path.to_owned(),
            source,
        };
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read_error)?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|entry| {
                    entry.is_dir()
                        || entry
                            .extension()
                            .is_some_and(|extension| extension == "yaml" || extension == "yml")
                })
                .collect();
            entries.sort();
            let mut created = Vec::new();
            for entry in entries {
                created.extend(self.seed_path(&entry)?);
            }
            return Ok(created);
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        self.seed_yaml_from(&text, &path.display().to_string())
    }

    fn seed_yaml_from(&self, yaml: &str, origin: &str) -> Result<Vec<Value>, SeedError> {
        let documents: Vec<Value> = serde_saphyr::from_multiple(yaml).map_err(|error| SeedError::Yaml {
            origin: origin.to_owned(),
            message: error.to_string(),
        })?;
        let mut created = Vec::new();
        for (index, document) in documents.into_iter().enumerate() {
            let document_origin = format!("{origin}, document {}", index + 1);
            match document {
                Value::Null => continue,
                Value::Object(_) => created.push(self.seed_value(document, &document_origin)?),
                _ => {
                    return Err(SeedError::Yaml {
                        origin: document_origin,
                        message: "a document must be a mapping (an object)".into(),
                    });
                }
            }
        }
        Ok(created)
    }

    fn seed_value(&self, object: Value, origin: &str) -> Result<Value, SeedError> {
        let refused = |status: Status, object: &Value| SeedError::Refused {
            origin: origin.to_owned(),
            kind: object
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            name: meta::text(object, "name").to_owned(),
            status: Box::new(status),
        };
        let namespace = meta::text(&object, "namespace").to_owned();
        if !namespace.is_empty() && self.state().namespace_phase(&namespace).is_none() {
            let namespace_object =
                serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}});
            self.create_value(namespace_object)
                .map_err(|status| refused(status, &object))?;
        }
        let status = object.get("status").cloned();
        let created = self
            .create_value(object.clone())
            .map_err(|status| refused(status, &object))?;
        match status {
            Some(status) if created.get("status") != Some(&status) => self
                .set_status(&created, status)
                .map_err(|status| refused(status, &object)),
            _ => Ok(created),
        }
    }

    /// Every object the cluster holds (the initial namespaces included), as
    /// multi-document YAML in a stable order: by resource, namespace, name.
    pub fn dump_yaml(&self) -> String {
        let objects: Vec<Value> = {
            let state = self.state();
            state
                .store
                .all_objects()
                .map(|(_, object)| (**object).clone())
                .collect()
        };
        let mut out = String::new();
        for object in objects {
            if let Ok(yaml) = serde_saphyr::to_string(&object) {
                out.push_str("---\n");
                out.push_str(&yaml);
            }
        }
        out
    }

    /// Every object the cluster holds, as JSON values.
    pub fn objects(&self) -> Vec<Value> {
        self.state()
            .store
            .all_objects()
            .map(|(_, object)| (**object).clone())
            .collect()
    }
}
