//! CronJobs: concurrency `Allow`, not suspended, three successful and one
//! failed Job kept, and the defaults of the pod template inside the job
//! template (the job template's own spec is not defaulted as a Job's).

use serde_json::{Map, Value, json};

use super::json::{default_pointer, default_value, object_at};
use super::pod_spec::default_template_of;

pub(crate) fn default(cron_job: &mut Map<String, Value>) {
    let Some(spec) = object_at(cron_job, "spec") else {
        return;
    };
    default_value(spec, "concurrencyPolicy", json!("Allow"));
    default_pointer(spec, "suspend", json!(false));
    default_pointer(spec, "successfulJobsHistoryLimit", json!(3));
    default_pointer(spec, "failedJobsHistoryLimit", json!(1));
    if let Some(job_spec) = object_at(spec, "jobTemplate").and_then(|template| object_at(template, "spec")) {
        default_template_of(job_spec);
    }
}
