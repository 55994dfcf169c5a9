//! A list response read as it arrives: each chunk of the body goes to a
//! [`ListDecoder`], and items are handed out as soon as they are decoded.

use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::DeserializeOwned;

use crate::rest::ByteStream;
use crate::types::ObjectList;
use crate::{Error, Result};

use super::list_decoder::ListDecoder;

/// The body of one list response, being read.
pub(crate) struct ListItems<T> {
    body: ByteStream,
    decoder: ListDecoder<T>,
    verb: http::Method,
    uri: http::Uri,
    /// Known once the body has ended.
    metadata: Option<ListMeta>,
}

impl<T: DeserializeOwned> ListItems<T> {
    /// Reads `body`, the answer to `verb uri` (which errors name).
    pub(crate) fn new(body: ByteStream, verb: http::Method, uri: http::Uri) -> Self {
        ListItems {
            body,
            decoder: ListDecoder::new(),
            verb,
            uri,
            metadata: None,
        }
    }

    /// The next item, reading more of the body when the bytes received hold
    /// none; `None` once the list has ended (then [`ListItems::into_metadata`]).
    pub(crate) async fn next(&mut self) -> Result<Option<T>> {
        loop {
            let item = self
                .decoder
                .next_item()
                .map_err(|source| self.decode_error(source))?;
            if item.is_some() || self.metadata.is_some() {
                return Ok(item);
            }
            self.read_chunk().await?;
        }
    }

    /// The whole list: every item and the metadata.
    pub(crate) async fn collect(mut self) -> Result<ObjectList<T>> {
        let mut items = Vec::new();
        while self.metadata.is_none() {
            self.read_chunk().await?;
            self.decoder
                .decode_available(&mut items)
                .map_err(|source| self.decode_error(source))?;
        }
        Ok(ObjectList {
            metadata: self.into_metadata(),
            items,
        })
    }

    /// The list's metadata: complete once [`ListItems::next`] has answered `None`.
    pub(crate) fn into_metadata(self) -> ListMeta {
        self.metadata.unwrap_or_default()
    }

    /// Feeds the next chunk to the decoder, or ends the list when the body ends.
    async fn read_chunk(&mut self) -> Result<()> {
        match self.body.next().await {
            Some(chunk) => self.decoder.push(&chunk?),
            None => {
                let metadata = self
                    .decoder
                    .finish()
                    .map_err(|source| self.decode_error(source))?;
                self.metadata = Some(metadata);
            }
        }
        Ok(())
    }

    fn decode_error(&self, source: serde_json::Error) -> Error {
        Error::Decode {
            verb: self.verb.to_string(),
            url: self.uri.to_string(),
            source,
        }
    }
}
