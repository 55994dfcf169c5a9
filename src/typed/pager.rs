//! Listing everything in pages of `limit`, following `continue` tokens, like
//! client-go's `ListPager`: whole (`all_pages`), or as a stream of items
//! (`item_stream`, over any [`Page`]: a body still being read, which holds one
//! item and a chunk, or a page decoded whole, `page_stream` over any `Typed`).
//!
//! A continue token expires when etcd compacts the revision the list started
//! at (about five minutes by default). The server then answers `410 Gone`;
//! the error says the list must restart from the beginning. Unlike
//! client-go's pager, which silently falls back to one unpaginated list, we
//! return the error: a silent full list of a large collection is exactly the
//! load paging exists to avoid, so the caller decides.

use std::future::Future;

use futures::StreamExt;
use futures::stream::BoxStream;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::DeserializeOwned;

use crate::types::{ListParams, ObjectList, continue_token};
use crate::{Error, Result};

use super::list_body::ListItems;

/// The page size when the params set none: what the seed program (and kubectl) use.
pub const DEFAULT_PAGE_SIZE: u32 = 500;

/// The params of the first page: the caller's, with a limit.
fn first_page(params: &ListParams) -> ListParams {
    let mut first = params.clone();
    first.limit.get_or_insert(DEFAULT_PAGE_SIZE);
    first
}

/// The params of the page after `page`, if there is one. A continue token
/// pins the snapshot, so the resourceVersion is not sent again (the server
/// refuses both together).
fn next_page(params: &ListParams, page: &ListMeta) -> Option<ListParams> {
    let token = continue_token(page)?;
    let mut next = params.clone();
    next.continue_token = Some(token.to_owned());
    next.resource_version = None;
    next.resource_version_match = None;
    Some(next)
}

/// Fetches one page; a 410 on a continue token becomes an error that says
/// what happened and what to do.
async fn fetch_page<P, F, Fut>(fetch: &mut F, params: ListParams) -> Result<P>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = Result<P>>,
{
    let continuing = params.continue_token.is_some();
    match fetch(params).await {
        Err(Error::Api(mut error)) if continuing && error.status.code == 410 => {
            error.status.message = format!(
                "the continue token expired before the list was finished, so the list must restart \
                 from the beginning (list again without a continue token): {}",
                error.status.message
            );
            Err(Error::Api(error))
        }
        other => other,
    }
}

/// Every page, in one list: the items of all pages, and the first page's
/// metadata (its resourceVersion is the snapshot every page came from).
pub(crate) async fn all_pages<T, F, Fut>(params: &ListParams, mut fetch: F) -> Result<ObjectList<T>>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = Result<ObjectList<T>>>,
{
    let params = first_page(params);
    let mut all = fetch_page(&mut fetch, params.clone()).await?;
    let mut next = next_page(&params, &all.metadata);
    while let Some(page_params) = next {
        let page: ObjectList<T> = fetch_page(&mut fetch, page_params).await?;
        next = next_page(&params, &page.metadata);
        all.items.extend(page.items);
    }
    all.metadata.continue_ = None;
    all.metadata.remaining_item_count = None;
    Ok(all)
}

/// Every item, fetched a page at a time as the stream is read (one decoded
/// page held at a time). An error ends the stream.
pub(crate) fn page_stream<'a, T, F, Fut>(params: &ListParams, mut fetch: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    F: FnMut(ListParams) -> Fut + Send + 'a,
    Fut: Future<Output = Result<ObjectList<T>>> + Send + 'a,
{
    item_stream(params, move |page| {
        let fetched = fetch(page);
        async move { fetched.await.map(DecodedPage::from) }
    })
}

/// One page of a list, handed out item by item, with the list's metadata
/// once its last item has been taken.
pub(crate) trait Page<T>: Send {
    /// The next item; `None` when the page has no more.
    fn next_item(&mut self) -> impl Future<Output = Result<Option<T>>> + Send;

    /// The page's metadata (its continue token): complete after `None`.
    fn into_metadata(self) -> ListMeta;
}

impl<T: DeserializeOwned + Send> Page<T> for ListItems<T> {
    fn next_item(&mut self) -> impl Future<Output = Result<Option<T>>> + Send {
        self.next()
    }

    fn into_metadata(self) -> ListMeta {
        ListItems::into_metadata(self)
    }
}

/// A page decoded whole (what `Typed::list` answers).
pub(crate) struct DecodedPage<T> {
    items: std::vec::IntoIter<T>,
    metadata: ListMeta,
}

impl<T> From<ObjectList<T>> for DecodedPage<T> {
    fn from(list: ObjectList<T>) -> Self {
        DecodedPage {
            items: list.items.into_iter(),
            metadata: list.metadata,
        }
    }
}

impl<T: Send> Page<T> for DecodedPage<T> {
    fn next_item(&mut self) -> impl Future<Output = Result<Option<T>>> + Send {
        std::future::ready(Ok(self.items.next()))
    }

    fn into_metadata(self) -> ListMeta {
        self.metadata
    }
}

/// Every item, each handed out as soon as its page gives it: with
/// [`ListItems`] pages only the item and the chunk of body being read are
/// held. `open` sends the request for a page. An error ends the stream.
pub(crate) fn item_stream<'a, T, P, F, Fut>(params: &ListParams, open: F) -> BoxStream<'a, Result<T>>
where
    T: Send + 'a,
    P: Page<T> + 'a,
    F: FnMut(ListParams) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P>> + Send + 'a,
{
    struct State<P, F> {
        open: F,
        params: ListParams,
        next: Option<ListParams>,
        page: Option<P>,
    }
    let params = first_page(params);
    let state: State<P, F> = State {
        open,
        next: Some(params.clone()),
        params,
        page: None,
    };
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(page) = state.page.as_mut() {
                match page.next_item().await {
                    Ok(Some(item)) => return Some((Ok(item), state)),
                    Ok(None) => {
                        let metadata = state.page.take().map(P::into_metadata).unwrap_or_default();
                        state.next = next_page(&state.params, &metadata);
                    }
                    Err(error) => {
                        state.page = None;
                        state.next = None;
                        return Some((Err(error), state));
                    }
                }
                continue;
            }
            let page_params = state.next.take()?;
            match fetch_page(&mut state.open, page_params).await {
                Ok(page) => state.page = Some(page),
                Err(error) => return Some((Err(error), state)),
            }
        }
    })
    .boxed()
}
