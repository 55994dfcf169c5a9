//! The interactions a [`Recorder`](super::Recorder) has seen so far, one
//! slot per request in the order the requests started.

use super::body::Body;
use super::format::{
    Cassette, Interaction, RecordedRequest, RecordedResponse, RecordedStream, StreamEnd, StreamEvent,
};
use super::redact::Redactor;

/// What the recorder knows, shared with the streams it is still recording.
#[derive(Default)]
pub(crate) struct Recording {
    slots: Vec<Slot>,
    user_strings: Vec<String>,
    /// Bumped on every change, so a drop after `finish` knows whether to write.
    changes: u64,
}

enum Slot {
    /// The request is in flight.
    Pending(RecordedRequest),
    /// Answered; a stream may still be open.
    Answered {
        interaction: Interaction,
        open_stream: bool,
    },
    /// No answer (a transport error, or the caller gave up): not stored.
    Abandoned,
}

impl Recording {
    /// Reserves the next slot for `request`; its index is its place in the
    /// cassette.
    pub(crate) fn start(&mut self, request: RecordedRequest) -> usize {
        self.changes += 1;
        self.slots.push(Slot::Pending(request));
        self.slots.len() - 1
    }

    /// Stores the answer to the request in `slot`; a streamed answer stays
    /// open until [`end_stream`](Self::end_stream).
    pub(crate) fn answer(&mut self, slot: usize, response: RecordedResponse) {
        self.changes += 1;
        let Some(entry) = self.slots.get_mut(slot) else {
            return;
        };
        if let Slot::Pending(request) = std::mem::replace(entry, Slot::Abandoned) {
            let open_stream = response.stream.is_some();
            *entry = Slot::Answered {
                interaction: Interaction { request, response },
                open_stream,
            };
        }
    }

    /// Forgets the request in `slot`: it got no answer.
    pub(crate) fn abandon(&mut self, slot: usize) {
        self.changes += 1;
        if let Some(entry) = self.slots.get_mut(slot) {
            *entry = Slot::Abandoned;
        }
    }

    /// Adds an event to the open stream in `slot`.
    pub(crate) fn stream_event(&mut self, slot: usize, offset_ms: u64, data: Body) {
        self.changes += 1;
        if let Some(stream) = self.open_stream(slot) {
            stream.events.push(StreamEvent { offset_ms, data });
        }
    }

    /// Closes the stream in `slot` with `end`; later calls change nothing.
    pub(crate) fn end_stream(&mut self, slot: usize, end: StreamEnd) {
        self.changes += 1;
        if let Some(stream) = self.open_stream(slot) {
            stream.end = end;
        }
        if let Some(Slot::Answered { open_stream, .. }) = self.slots.get_mut(slot) {
            *open_stream = false;
        }
    }

    fn open_stream(&mut self, slot: usize) -> Option<&mut RecordedStream> {
        match self.slots.get_mut(slot)? {
            Slot::Answered {
                interaction,
                open_stream: true,
            } => interaction.response.stream.as_mut(),
            _ => None,
        }
    }

    /// Adds a string to redact wherever it appears.
    pub(crate) fn redact(&mut self, value: String) {
        self.changes += 1;
        self.user_strings.push(value);
    }

    /// A counter that changes whenever the recording does.
    pub(crate) fn changes(&self) -> u64 {
        self.changes
    }

    /// The redacted cassette of everything answered so far. A stream still
    /// open is stored as dropped by the client: the recording stopped
    /// watching it.
    pub(crate) fn cassette(&self) -> Cassette {
        let interactions = self
            .slots
            .iter()
            .filter_map(|slot| match slot {
                Slot::Answered {
                    interaction,
                    open_stream,
                } => Some(with_open_stream_dropped(interaction, *open_stream)),
                Slot::Pending(_) | Slot::Abandoned => None,
            })
            .collect();
        let mut cassette = Cassette { interactions };
        Redactor::new(&self.user_strings).cassette(&mut cassette);
        cassette
    }
}

fn with_open_stream_dropped(interaction: &Interaction, open_stream: bool) -> Interaction {
    let mut interaction = interaction.clone();
    if open_stream && let Some(stream) = &mut interaction.response.stream {
        stream.end = StreamEnd::ClientDropped;
    }
    interaction
}
