//! The protobuf field numbers of the messages kubectl's typed commands send
//! (from the `generated.proto` files of k8s.io/api and apimachinery; each
//! number here was checked against a body kubectl v1.32 sent).

/// How a field's value is read and written as JSON.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FieldKind {
    String,
    Int,
    Bool,
    Message(&'static Message),
    StringMap,
    BytesMap,
    /// `map<string, resource.Quantity>`.
    QuantityMap,
    IntOrString,
    /// `metav1.Time`.
    Time,
    /// Read and dropped (a create's status).
    Skip,
}

/// One field of a message.
#[derive(Debug)]
pub(crate) struct Field {
    pub number: u32,
    pub name: &'static str,
    pub kind: FieldKind,
    pub repeated: bool,
    /// A pointer field in Go: sent only when set, so a zero is meaningful.
    pub keep_zero: bool,
}

/// A protobuf message this server can decode.
#[derive(Debug)]
pub(crate) struct Message {
    pub name: &'static str,
    pub fields: &'static [Field],
}

const fn field(number: u32, name: &'static str, kind: FieldKind) -> Field {
    Field {
        number,
        name,
        kind,
        repeated: false,
        keep_zero: false,
    }
}

const fn list(number: u32, name: &'static str, kind: FieldKind) -> Field {
    Field {
        repeated: true,
        ..field(number, name, kind)
    }
}

const fn pointer(number: u32, name: &'static str, kind: FieldKind) -> Field {
    Field {
        keep_zero: true,
        ..field(number, name, kind)
    }
}

use FieldKind::{Bool, BytesMap, Int, IntOrString, QuantityMap, Skip, String, StringMap, Time};

static OWNER_REFERENCE: Message = Message {
    name: "OwnerReference",
    fields: &[
        field(1, "kind", String),
        field(3, "name", String),
        field(4, "uid", String),
        field(5, "apiVersion", String),
        pointer(6, "controller", Bool),
        pointer(7, "blockOwnerDeletion", Bool),
    ],
};

static OBJECT_META: Message = Message {
    name: "ObjectMeta",
    fields: &[
        field(1, "name", String),
        field(2, "generateName", String),
        field(3, "namespace", String),
        field(4, "selfLink", String),
        field(5, "uid", String),
        field(6, "resourceVersion", String),
        field(7, "generation", Int),
        field(8, "creationTimestamp", Time),
        field(9, "deletionTimestamp", Time),
        pointer(10, "deletionGracePeriodSeconds", Int),
        field(11, "labels", StringMap),
        field(12, "annotations", StringMap),
        list(13, "ownerReferences", FieldKind::Message(&OWNER_REFERENCE)),
        list(14, "finalizers", String),
    ],
};

static CONFIG_MAP: Message = Message {
    name: "ConfigMap",
    fields: &[
        field(1, "metadata", FieldKind::Message(&OBJECT_META)),
        field(2, "data", StringMap),
        field(3, "binaryData", BytesMap),
        pointer(4, "immutable", Bool),
    ],
};

static SECRET: Message = Message {
    name: "Secret",
    fields: &[
        field(1, "metadata", FieldKind::Message(&OBJECT_META)),
        field(2, "data", BytesMap),
        field(3, "type", String),
        field(4, "stringData", StringMap),
        pointer(5, "immutable", Bool),
    ],
};

static NAMESPACE_SPEC: Message = Message {
    name: "NamespaceSpec",
    fields: &[list(1, "finalizers", String)],
};

static NAMESPACE: Message = Message {
    name: "Namespace",
    fields: &[
        field(1, "metadata", FieldKind::Message(&OBJECT_META)),
        field(2, "spec", FieldKind::Message(&NAMESPACE_SPEC)),
        field(3, "status", Skip),
    ],
};

static SERVICE_ACCOUNT: Message = Message {
    name: "ServiceAccount",
    fields: &[
        field(1, "metadata", FieldKind::Message(&OBJECT_META)),
        pointer(4, "automountServiceAccountToken", Bool),
    ],
};

static LABEL_SELECTOR_REQUIREMENT: Message = Message {
    name: "LabelSelectorRequirement",
    fields: &[
        field(1, "key", String),
        field(2, "operator", String),
        list(3, "values", String),
    ],
};

static LABEL_SELECTOR: Message = Message {
    name: "LabelSelector",
    fields: &[
        field(1, "matchLabels", StringMap),
        list(
            2,
            "matchExpressions",
            FieldKind::Message(&LABEL_SELECTOR_REQUIREMENT),
        ),
    ],
};

static CONTAINER_PORT: Message = Message {
    name: "ContainerPort",
    fields: &[
        field(1, "name", String),
        field(2, "hostPort", Int),
        field(3, "containerPort", Int),
        field(4, "protocol", String),
        field(5, "hostIP", String),
    ],
};

static ENV_VAR: Message = Message {
    name: "EnvVar",
    fields: &[field(1, "name", String), field(2, "value", String)],
};

static RESOURCE_REQUIREMENTS: Message = Message {
    name: "ResourceRequirements",
    fields: &[field(1, "limits", QuantityMap), field(2, "requests", QuantityMap)],
};

static CONTAINER: Message = Message {
    name: "Container",
    fields: &[
        field(1, "name", String),
        field(2, "image", String),
        list(3, "command", String),
        list(4, "args", String),
        field(5, "workingDir", String),
        list(6, "ports", FieldKind::Message(&CONTAINER_PORT)),
        list(7, "env", FieldKind::Message(&ENV_VAR)),
        field(8, "resources", FieldKind::Message(&RESOURCE_REQUIREMENTS)),
        field(13, "terminationMessagePath", String),
        field(14, "imagePullPolicy", String),
        field(16, "stdin", Bool),
        field(17, "stdinOnce", Bool),
        field(18, "tty", Bool),
        field(20, "terminationMessagePolicy", String),
    ],
};

static POD_SPEC: Message = Message {
    name: "PodSpec",
    fields: &[
        list(2, "containers", FieldKind::Message(&CONTAINER)),
        field(3, "restartPolicy", String),
        pointer(4, "terminationGracePeriodSeconds", Int),
        pointer(5, "activeDeadlineSeconds", Int),
        field(6, "dnsPolicy", String),
        field(7, "nodeSelector", StringMap),
        field(8, "serviceAccountName", String),
        field(9, "serviceAccount", String),
        field(10, "nodeName", String),
        field(11, "hostNetwork", Bool),
        field(12, "hostPID", Bool),
        field(13, "hostIPC", Bool),
        field(16, "hostname", String),
        field(17, "subdomain", String),
        field(19, "schedulerName", String),
        list(20, "initContainers", FieldKind::Message(&CONTAINER)),
        field(24, "priorityClassName", String),
    ],
};

static POD_TEMPLATE_SPEC: Message = Message {
    name: "PodTemplateSpec",
    fields: &[
        field(1, "metadata", FieldKind::Message(&OBJECT_META)),
        field(2, "spec", FieldKind::Message(&POD_SPEC)),
    ],
};

static ROLLING_UPDATE_DEPLOYMENT: Message = Message {
    name: "RollingUpdateDeployment",
    fields: &[
        field(1, "maxUnavailable", IntOrString),
        field(2, "maxSurge", IntOrString),
    ],
};

static DEPLOYMENT_STRATEGY: Message = Message {
    name: "DeploymentStrategy",
    fields: &[
        field(1, "type", String),
        field(2, "rollingUpdate", FieldKind::Message(&ROLLING_UPDATE_DEPLOYMENT)),
    ],
};

static DEPLOYMENT_SPEC: Message = Message {
    name: "DeploymentSpec",
    fields: &[
        pointer(1, "replicas", Int),
        field(2, "selector", FieldKind::Message(&LABEL_SELECTOR)),
        field(3, "template", FieldKind::Message(&POD_TEMPLATE_SPEC)),
        field(4, "strategy", FieldKind::Message(&DEPLOYMENT_STRATEGY)),
        field(5, "minReadySeconds", Int),
        pointer(6, "revisionHistoryLimit", Int),
        field(7, "paused", Bool),
        pointer(9, "progressDeadlineSeconds", Int),
    ],
};

static DEPLOYMENT: Message = Message {
    name: "Deployment",
    fields: &[
        field(1, "metadata", FieldKind::Message(&OBJECT_META)),
        field(2, "spec", FieldKind::Message(&DEPLOYMENT_SPEC)),
        field(3, "status", Skip),
    ],
};

/// The message of a top-level kind this server decodes.
pub(crate) fn message_for(api_version: &str, kind: &str) -> Option<&'static Message> {
    Some(match (api_version, kind) {
        ("v1", "ConfigMap") => &CONFIG_MAP,
        ("v1", "Secret") => &SECRET,
        ("v1", "Namespace") => &NAMESPACE,
        ("v1", "ServiceAccount") => &SERVICE_ACCOUNT,
        ("apps/v1", "Deployment") => &DEPLOYMENT,
        _ => return None,
    })
}
