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

    /// The next item, reading more of the body when none is decoded yet;
    /// `None` once the list has ended (then [`ListItems::into_metadata`]).
    pub(crate) async fn next(&mut self) -> Result<Option<T>> {
        loop {
            if let Some(item) = self.decoder.next_item() {
                return Ok(Some(item));
            }
            if self.metadata.is_some() {
                return Ok(None);
            }
            self.read_chunk().await?;
        }
    }

    /// The whole list: every item and the metadata.
    pub(crate) async fn collect(mut self) -> Result<ObjectList<T>> {
        while self.metadata.is_none() {
            self.read_chunk().await?;
        }
        Ok(ObjectList {
            metadata: self.metadata.unwrap_or_default(),
            items: self.decoder.take_items(),
        })
    }

    /// The list's metadata: complete once [`ListItems::next`] has answered `None`.
    pub(crate) fn into_metadata(self) -> ListMeta {
        self.metadata.unwrap_or_default()
    }

    /// Feeds the next chunk to the decoder, or ends the list when the body ends.
    async fn read_chunk(&mut self) -> Result<()> {
        let decoded = match self.body.next().await {
            Some(chunk) => self.decoder.push(&chunk?),
            None => self
                .decoder
                .finish()
                .map(|metadata| self.metadata = Some(metadata)),
        };
        decoded.map_err(|source| Error::Decode {
            verb: self.verb.to_string(),
            url: self.uri.to_string(),
            source,
        })
    }
}
