//! Requests being built: [`Request`] holds a model request and what will send it; a client
//! sends it through [`Dispatch`] and pages it through [`Paginate`].
//!
//! The setters of each model request are written once, here in live-model: each request type
//! has consuming setters (`GetPullRecordTaskRequest::default().task_id("…")`), and a
//! [`Request`] of that type has the same setters, whatever sends it
//! (`client.get_pull_record_task().task_id("…")` in live-api).
//!
//! ```
//! use live_model::{GetPullRecordTaskRequest, Request};
//!
//! let built = Request::new(GetPullRecordTaskRequest::default(), ()).task_id("t1");
//! assert_eq!(built.input(), &GetPullRecordTaskRequest::default().task_id("t1"));
//! assert_eq!(built.task_id, "t1"); // a `Request` derefs to its model request
//! ```

use std::ops::{Deref, DerefMut};

/// How many pages a listing fetches at most when its [`Request`] does not say
/// ([`Request::max_pages`]): 1,000 (500,000 tasks at ListPullRecordTask's largest page size).
pub const DEFAULT_MAX_PAGES: u32 = 1_000;

/// A request being built: the model request `O` and what will send it (`C`, `()` for none).
///
/// It derefs to `O`, so its fields read as the model request's. It has the setters of `O`
/// (each returns the `Request`), [`max_pages`](Self::max_pages), and, when `C` can send it,
/// [`send`](Self::send) ([`Dispatch`]) or, for a paged request, [`pages`](Self::pages) and
/// [`items`](Self::items) ([`Paginate`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use = "nothing is sent until `send` is awaited or the stream polled"]
pub struct Request<O, C = ()> {
    input: O,
    client: C,
    max_pages: Option<u32>,
}

/// What sends a request of type `O` (implemented by clients, e.g. live-api's `LiveClient`).
pub trait Dispatch<O> {
    /// What sending gives, e.g. a future of the output.
    type Output;
    /// Sends `input`. `max_pages` is the [`Request`]'s cap on listings (`None`: the client's
    /// default); a request that is not paged ignores it.
    fn dispatch(self, input: O, max_pages: Option<u32>) -> Self::Output;
}

/// What asks a paged request of type `O` page after page (implemented by clients).
pub trait Paginate<O> {
    /// The pages, from the request's page on (e.g. a stream).
    type Pages;
    /// The items of those pages, page after page (e.g. a stream).
    type Items;
    /// Every page of `input` from its page on, at most `max_pages` of them (`None`: the
    /// client's default, normally [`DEFAULT_MAX_PAGES`]).
    fn pages(self, input: O, max_pages: Option<u32>) -> Self::Pages;
    /// Every item of those pages.
    fn items(self, input: O, max_pages: Option<u32>) -> Self::Items;
}

impl<O, C> Request<O, C> {
    /// How many pages a listing fetches at most unless told otherwise: [`DEFAULT_MAX_PAGES`].
    pub const DEFAULT_MAX_PAGES: u32 = DEFAULT_MAX_PAGES;

    /// `input`, to be sent by `client`.
    pub fn new(input: O, client: C) -> Self {
        Self {
            input,
            client,
            max_pages: None,
        }
    }

    /// The model request as built so far.
    pub fn input(&self) -> &O {
        &self.input
    }

    /// The model request, what sends it, and the cap set with [`max_pages`](Self::max_pages)
    /// (`None` when not set).
    pub fn into_parts(self) -> (O, C, Option<u32>) {
        (self.input, self.client, self.max_pages)
    }

    /// The most pages [`pages`](Self::pages) and [`items`](Self::items) fetch (at least 1;
    /// default [`DEFAULT_MAX_PAGES`]). A client-side cap that matters for paged requests
    /// only (ListPullRecordTask, DescribeRecordTaskFileHistory): when the server still claims
    /// more pages, the listing ends with an error naming the next page, which is not asked
    /// for. Other requests ignore it.
    pub fn max_pages(mut self, n: u32) -> Self {
        self.max_pages = Some(n.max(1));
        self
    }
}

impl<O, C: Dispatch<O>> Request<O, C> {
    /// Sends it (for live-api's `LiveClient`: a future of the action's output, the same as
    /// `client.send(request)` gives).
    pub fn send(self) -> C::Output {
        self.client.dispatch(self.input, self.max_pages)
    }
}

impl<O, C: Paginate<O>> Request<O, C> {
    /// Every page from the request's page on, at most [`max_pages`](Self::max_pages).
    pub fn pages(self) -> C::Pages {
        self.client.pages(self.input, self.max_pages)
    }

    /// Every item of every page from the request's page on.
    pub fn items(self) -> C::Items {
        self.client.items(self.input, self.max_pages)
    }
}

impl<O, C> Deref for Request<O, C> {
    type Target = O;
    fn deref(&self) -> &O {
        &self.input
    }
}

impl<O, C> DerefMut for Request<O, C> {
    fn deref_mut(&mut self) -> &mut O {
        &mut self.input
    }
}

/// Writes the setters of a model request once: each `fn name(r, args) { body }` (the body sets
/// fields of `r: &mut Request`) becomes a consuming setter of the request type and the same
/// setter of [`Request`] of that type for every client. `fn name [model_name] (…)` names the
/// request type's own setter differently (when the type already has a method of that name).
macro_rules! setters {
    ($req:ident {
        $(
            $(#[$doc:meta])*
            fn $name:ident $([$model:ident])? ($r:ident $(, $arg:ident: $ty:ty)* $(,)?) $body:block
        )*
    }) => {
        impl $req {
            $(
                setters!(@model [$($model)? $name] $(#[$doc])* ($r, $req $(, $arg: $ty)*) $body);
            )*
        }

        impl<C> $crate::Request<$req, C> {
            $(
                $(#[$doc])*
                pub fn $name(mut self $(, $arg: $ty)*) -> Self {
                    let $r: &mut $req = &mut self;
                    $body
                    self
                }
            )*
        }
    };
    (@model [$model:ident $($name:ident)?] $(#[$doc:meta])* ($r:ident, $req:ident $(, $arg:ident: $ty:ty)*) $body:block) => {
        $(#[$doc])*
        pub fn $model(mut self $(, $arg: $ty)*) -> Self {
            let $r: &mut $req = &mut self;
            $body
            self
        }
    };
}
