//! The error for a request the cassette has no answer for, explained: the
//! request, the closest recorded interactions and what differs from each.

use std::fmt;
use std::path::PathBuf;

use super::format::{Interaction, RecordedRequest};
use super::matching::{Difference, MatchRules, describe_body};

/// How many recorded interactions a miss shows.
const CLOSEST_SHOWN: usize = 3;

/// A request with no recorded answer. It is the source of the
/// [`rudder::Error::Transport`] the replayer returns (the request got no
/// answer), so `error.source()` downcasts to it.
#[derive(Debug)]
pub struct ReplayMiss {
    /// The cassette file.
    pub cassette: PathBuf,
    /// The request, as it would be recorded.
    pub request: RecordedRequest,
    explanation: String,
}

impl ReplayMiss {
    /// Explains why no interaction of `interactions` answers `request`;
    /// `exhausted` lists those that match but were all played already.
    pub(crate) fn new(
        cassette: PathBuf,
        request: RecordedRequest,
        interactions: &[Interaction],
        exhausted: &[usize],
        rules: &MatchRules,
    ) -> Self {
        let explanation = if exhausted.is_empty() {
            closest(interactions, &request, rules)
        } else {
            let numbers: Vec<String> = exhausted.iter().map(|index| format!("#{index}")).collect();
            let (which, verb) = if numbers.len() == 1 {
                ("interaction", "matches, but was")
            } else {
                ("interactions", "match, but were all")
            };
            format!(
                "  {which} {} {verb} already played; record the session again, or allow repeats (Replayer::allow_playback_repeats)\n",
                numbers.join(", ")
            )
        };
        ReplayMiss {
            cassette,
            request,
            explanation,
        }
    }
}

impl fmt::Display for ReplayMiss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cassette {} has no answer for", self.cassette.display())?;
        writeln!(f, "  {}", summary(&self.request))?;
        if !self.request.body.is_empty() {
            writeln!(f, "  body: {}", describe_body(&self.request.body))?;
        }
        write!(f, "{}", self.explanation)
    }
}

impl std::error::Error for ReplayMiss {}

/// `METHOD /path?query` as a log line shows it.
pub(crate) fn summary(request: &RecordedRequest) -> String {
    let query = request.query.to_query_string();
    if query.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        format!("{} {}?{query}", request.method, request.path)
    }
}

fn closest(interactions: &[Interaction], request: &RecordedRequest, rules: &MatchRules) -> String {
    if interactions.is_empty() {
        return "  the cassette has no interactions\n".to_owned();
    }
    let mut scored: Vec<(usize, usize, Vec<Difference>)> = interactions
        .iter()
        .enumerate()
        .map(|(index, interaction)| {
            let differences = rules.differences(&interaction.request, request);
            (
                distance(&differences, &interaction.request.path, &request.path),
                index,
                differences,
            )
        })
        .collect();
    scored.sort_by_key(|(distance, index, _)| (*distance, *index));
    let mut out = String::from("closest recorded interactions:\n");
    for (_, index, differences) in scored.into_iter().take(CLOSEST_SHOWN) {
        out.push_str(&format!("  #{index} {}\n", summary(&interactions[index].request)));
        for line in difference_lines(&differences, request) {
            out.push_str(&format!("      {line}\n"));
        }
    }
    out
}

/// Smaller is closer: a different method or path outweighs any query or
/// body difference, and paths sharing a longer prefix are closer.
fn distance(differences: &[Difference], recorded_path: &str, path: &str) -> usize {
    let common = recorded_path
        .split('/')
        .zip(path.split('/'))
        .take_while(|(a, b)| a == b)
        .count();
    let path_distance = path.split('/').count().saturating_sub(common);
    differences
        .iter()
        .map(|difference| match difference {
            Difference::Method { .. } => 1000,
            Difference::Path { .. } => 100 + 10 * path_distance,
            Difference::Query { .. } | Difference::Body { .. } => 1,
        })
        .sum()
}

fn difference_lines(differences: &[Difference], request: &RecordedRequest) -> Vec<String> {
    let mut lines = Vec::new();
    for difference in differences {
        match difference {
            Difference::Method { recorded } => {
                lines.push(format!("method: recorded {recorded}, got {}", request.method));
            }
            Difference::Path { recorded } => {
                lines.push(format!("path: recorded {recorded}, got {}", request.path));
            }
            Difference::Query { key, recorded, got } => lines.push(format!(
                "query {key}: recorded {}, got {}",
                query_value(recorded.as_deref()),
                query_value(got.as_deref())
            )),
            Difference::Body { lines: body } => {
                lines.extend(body.iter().map(|line| format!("body {line}")));
            }
        }
    }
    lines
}

fn query_value(values: Option<&[String]>) -> String {
    match values {
        None => "nothing".to_owned(),
        Some([one]) => format!("{one:?}"),
        Some(many) => format!("{many:?}"),
    }
}
