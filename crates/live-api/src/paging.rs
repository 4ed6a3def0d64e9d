//! Paging: the pages of a paged request (ListPullRecordTask, DescribeRecordTaskFileHistory)
//! and their items, as streams.
//!
//! [`Pages<P>`] is a stream of pages of type `P`, one held at a time; [`Items<I>`] is a
//! stream of the items of such pages, of type `I`, page after page. Both are
//! [`futures_core::Stream`]s with an inherent `next` for use without one, and both end after
//! their first error.
//!
//! | builder | `pages()` | `tasks()` / `files()` |
//! |---|---|---|
//! | [`crate::ops::ListPullRecordTask`] | `Pages<ListPullRecordTaskOutput>` | `Items<PullRecordTask>` |
//! | [`crate::files::DescribeRecordTaskFileHistory`] | `Pages<DescribeRecordTaskFileHistoryOutput>` | `Items<RecordFile>` |
//!
//! The last page is the first of: the documented `PageTotal`, the page that holds item
//! `TotalCount` (by the answer's `PageSize`), an empty page. A server that cannot be trusted
//! ends the stream with [`ErrorKind::Pagination`]: an answer for another page than the one
//! asked, a page answered again, or more pages than the request's
//! [`max_pages`](live_model::Request::max_pages) (default
//! [`DEFAULT_MAX_PAGES`](live_model::DEFAULT_MAX_PAGES)).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::stream::{self, TryStreamExt};
use futures_util::StreamExt;
use live_model::Pagination;

use crate::env::LiveFuture;
use crate::error::PaginationProblem;
use crate::{ErrorKind, LiveClient, LiveError};

/// A stream of results, boxed: what [`Pages`] and [`Items`] hold.
type Boxed<T> = Pin<Box<dyn Stream<Item = Result<T, LiveError>> + Send>>;

/// The pages of a paged request, one held at a time: what [`Request::pages`](live_model::Request::pages)
/// gives for [`ListPullRecordTask`](crate::ops::ListPullRecordTask) and
/// [`DescribeRecordTaskFileHistory`](crate::files::DescribeRecordTaskFileHistory).
#[must_use = "streams do nothing unless polled"]
pub struct Pages<P> {
    pages: Boxed<P>,
    max_pages: u32,
}

impl<P> Pages<P> {
    /// The next page, or `None` after the last (and after an error).
    pub async fn next(&mut self) -> Option<Result<P, LiveError>> {
        self.pages.next().await
    }
}

impl<P> Stream for Pages<P> {
    type Item = Result<P, LiveError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.pages.as_mut().poll_next(cx)
    }
}

impl<P> fmt::Debug for Pages<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

/// The items of a paged request, page after page, one page held at a time: what
/// [`Request::items`](live_model::Request::items) (`tasks()`, `files()`) gives for
/// [`ListPullRecordTask`](crate::ops::ListPullRecordTask) and
/// [`DescribeRecordTaskFileHistory`](crate::files::DescribeRecordTaskFileHistory).
#[must_use = "streams do nothing unless polled"]
pub struct Items<I> {
    items: Boxed<I>,
}

impl<I> Items<I> {
    /// The next item, or `None` after the last (and after an error).
    pub async fn next(&mut self) -> Option<Result<I, LiveError>> {
        self.items.next().await
    }
}

impl<I> Stream for Items<I> {
    type Item = Result<I, LiveError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.as_mut().poll_next(cx)
    }
}

impl<I> fmt::Debug for Items<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}

/// A request asked page by page (the listing, the recorded files): how its pages are
/// numbered, fetched and counted.
pub(crate) trait PagedRequest: Clone + Send + 'static {
    /// One page's answer.
    type Page: Send + 'static;
    /// One item of a page.
    type Item: Send + 'static;
    /// The page this request asks.
    fn page_num(&self) -> u32;
    /// Asks another page.
    fn set_page_num(&mut self, n: u32);
    /// The items asked per page.
    fn page_size(&self) -> u32;
    /// Sends it.
    fn fetch(
        client: LiveClient,
        request: Self,
    ) -> LiveFuture<'static, Result<Self::Page, LiveError>>;
    /// A page's pagination and its items.
    fn parts(page: &Self::Page) -> (&Pagination, &[Self::Item]);
    /// A page's items, in order.
    fn into_items(page: Self::Page) -> Vec<Self::Item>;
}

/// Implements [`PagedRequest`] for a request whose output `$output` holds the page's items
/// in `$items`, taken from the answer's `Result.$from`; `pagination` and `metadata` as the
/// answer gives them. [`LiveClient`] sends it ([`Dispatch`](live_model::Dispatch): one page)
/// and pages it ([`Paginate`](live_model::Paginate): [`Pages`] and [`Items`]).
macro_rules! paged_request {
    ($request:ty => $output:ident { $items:ident: $item:ty = result.$from:ident }) => {
        impl $crate::paging::PagedRequest for $request {
            type Page = $output;
            type Item = $item;
            fn page_num(&self) -> u32 {
                self.page_num
            }
            fn set_page_num(&mut self, n: u32) {
                self.page_num = n;
            }
            fn page_size(&self) -> u32 {
                self.page_size
            }
            fn fetch(
                client: $crate::LiveClient,
                request: Self,
            ) -> $crate::env::LiveFuture<'static, Result<$output, $crate::LiveError>> {
                Box::pin(async move {
                    let r = client.call(&request).await?;
                    Ok($output {
                        $items: r.result.$from,
                        pagination: r.result.pagination,
                        metadata: r.metadata,
                    })
                })
            }
            fn parts(page: &$output) -> (&live_model::Pagination, &[$item]) {
                (&page.pagination, &page.$items)
            }
            fn into_items(page: $output) -> Vec<$item> {
                page.$items
            }
        }

        impl live_model::Dispatch<$request> for $crate::LiveClient {
            type Output = $crate::env::LiveFuture<'static, Result<$output, $crate::LiveError>>;

            /// Sends it: one page (`max_pages` does not apply).
            fn dispatch(self, input: $request, _: Option<u32>) -> Self::Output {
                <$request as $crate::paging::PagedRequest>::fetch(self, input)
            }
        }

        impl live_model::Paginate<$request> for $crate::LiveClient {
            type Pages = $crate::paging::Pages<$output>;
            type Items = $crate::paging::Items<$item>;

            /// Every page from `page_num` on, at most `max_pages` (default
            /// [`DEFAULT_MAX_PAGES`](live_model::DEFAULT_MAX_PAGES)), as a stream that ends
            /// after the last page or the first error; see [`paging`]($crate::paging).
            fn pages(self, input: $request, max_pages: Option<u32>) -> Self::Pages {
                $crate::paging::pages(self, input, $crate::paging::cap(max_pages))
            }

            /// Every item of every page from `page_num` on, as a stream.
            fn items(self, input: $request, max_pages: Option<u32>) -> Self::Items {
                $crate::paging::items::<$request>(self.pages(input, max_pages))
            }
        }
    };
}
pub(crate) use paged_request;

/// The cap on pages: the one a request set, or [`DEFAULT_MAX_PAGES`](live_model::DEFAULT_MAX_PAGES); at least 1.
pub(crate) fn cap(max_pages: Option<u32>) -> u32 {
    max_pages.unwrap_or(live_model::DEFAULT_MAX_PAGES).max(1)
}

/// Every page of `request` from its `page_num` on, at most `max_pages` of them.
///
/// Each step asks the page the previous one led to: before asking, a step past `max_pages`
/// ends the stream with [`PaginationProblem::TooManyPages`] naming that page; after it, an
/// error ends the stream (the page that caused a pagination error is not given), the last
/// page is given and ends it, any other page is given and leads to the next.
pub(crate) fn pages<R: PagedRequest>(
    client: LiveClient,
    request: R,
    max_pages: u32,
) -> Pages<R::Page> {
    let first_page = request.page_num();
    // The state: the next page to ask and how many were fetched; `None` after the last.
    let pages = stream::try_unfold(Some((request, 0u32)), move |state| {
        let client = client.clone();
        async move {
            let Some((mut request, fetched)) = state else {
                return Ok(None);
            };
            let asked = request.page_num();
            if fetched >= max_pages {
                return Err(pagination(
                    asked,
                    PaginationProblem::TooManyPages { max_pages },
                ));
            }
            let page = R::fetch(client, request.clone()).await?;
            let (p, items) = R::parts(&page);
            let next = next_page(asked, first_page, p, items.len(), request.page_size())?;
            let state = next.map(|n| {
                request.set_page_num(n);
                (request, fetched + 1)
            });
            Ok(Some((page, state)))
        }
    });
    Pages {
        pages: Box::pin(pages),
        max_pages,
    }
}

/// The items of `pages`, page after page.
pub(crate) fn items<R: PagedRequest>(pages: Pages<R::Page>) -> Items<R::Item> {
    let items = pages
        .map_ok(|page| stream::iter(R::into_items(page).into_iter().map(Ok)))
        .try_flatten();
    Items {
        items: Box::pin(items),
    }
}

/// `stream` up to and with its first error, not polled after it.
pub(crate) fn until_error<T, S>(stream: S) -> impl Stream<Item = Result<T, LiveError>> + Send
where
    S: Stream<Item = Result<T, LiveError>> + Send + Unpin,
    T: Send,
{
    stream::try_unfold(stream, |mut s| async move {
        Ok(s.try_next().await?.map(|item| (item, s)))
    })
}

/// After page `asked` of a listing that began at `first_page` came back with `p` and `items`
/// items (asked with `page_size`): the next page to ask, `None` after the last, or why the
/// pages cannot be trusted.
///
/// The last page is the first of: the documented `PageTotal`, the page that holds item
/// `TotalCount` (by the answer's `PageSize`), an empty page.
pub(crate) fn next_page(
    asked: u32,
    first_page: u32,
    p: &Pagination,
    items: usize,
    page_size: u32,
) -> Result<Option<u32>, LiveError> {
    if p.page_cur != asked {
        let problem = if (first_page..asked).contains(&p.page_cur) {
            PaginationProblem::Repeated {
                answered: p.page_cur,
            }
        } else {
            PaginationProblem::WrongPage {
                answered: p.page_cur,
            }
        };
        return Err(pagination(asked, problem));
    }
    let size = if p.page_size > 0 {
        p.page_size
    } else {
        page_size.max(1)
    };
    let last = u64::from(p.page_total).min(p.total_count.div_ceil(u64::from(size)));
    if items > 0 && u64::from(asked) < last {
        return Ok(asked.checked_add(1));
    }
    Ok(None)
}

/// The error of a listing stopped at `page`.
pub(crate) fn pagination(page: u32, problem: PaginationProblem) -> LiveError {
    LiveError::from(ErrorKind::Pagination { page, problem })
}
