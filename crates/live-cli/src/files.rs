//! `volc-live list-record-files`: the files recordings left (DescribeRecordTaskFileHistory),
//! by a window of at most 7 days, or all the files of one task (`--task-id`).

use std::io::Write;

use clap::{Args, ValueEnum};
use live_api::files::DescribeRecordTaskFileHistory;
use live_api::LiveClient;
use live_model::{Pagination, RecordFile, RecordStorage};
use serde_json::{json, Value};

use super::{cell, pagination_json, table, Failure, Output, Table};

#[derive(Debug, Args)]
pub(crate) struct FilesArgs {
    /// The files of this task: its vhost, app and stream over its whole span (split into
    /// 7-day windows, every page). The task is fetched first.
    #[arg(long, conflicts_with_all = ["vhost", "app", "stream", "from", "to", "page", "all"])]
    task_id: Option<String>,
    /// Only files of this domain space.
    #[arg(long)]
    vhost: Option<String>,
    /// Only files of this application.
    #[arg(long)]
    app: Option<String>,
    /// Only files of this stream (needs --app).
    #[arg(long, requires = "app")]
    stream: Option<String>,
    /// Recordings that started at or after this time, RFC 3339 to the second
    /// (2023-11-01T00:00:00+08:00).
    #[arg(long, value_name = "TIME", required_unless_present = "task_id")]
    from: Option<String>,
    /// ... and at or before this one: after --from, at most 7 days after it.
    #[arg(long, value_name = "TIME", required_unless_present = "task_id")]
    to: Option<String>,
    /// Where the files are stored [service default: tos].
    #[arg(long = "type", value_enum, value_name = "tos|vod")]
    storage: Option<Storage>,
    /// Files per page.
    #[arg(long, default_value_t = 30)]
    page_size: u32,
    /// The page to show.
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// Every page, from --page on.
    #[arg(long)]
    all: bool,
    /// With --all or --task-id: fetch at most this many pages (per 7-day window); a server
    /// claiming more is an error.
    #[arg(long, value_name = "N", default_value_t = DescribeRecordTaskFileHistory::DEFAULT_MAX_PAGES)]
    max_pages: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Storage {
    Tos,
    Vod,
}

impl From<Storage> for RecordStorage {
    fn from(s: Storage) -> Self {
        match s {
            Storage::Tos => RecordStorage::Tos,
            Storage::Vod => RecordStorage::Vod,
        }
    }
}

const FILE_HEADER: [&str; 6] = ["START", "DURATION", "FORMAT", "APP", "STREAM", "LOCATION"];

fn file_json(f: &RecordFile) -> Value {
    json!({
        "vhost": f.vhost,
        "app": f.app,
        "stream": f.stream,
        "file_name": f.file_name,
        "format": f.format,
        "duration": f.duration,
        "start_time": f.start_time,
        "end_time": f.end_time,
        "start_time_utc": f.start_time_utc,
        "end_time_utc": f.end_time_utc,
        "bucket": f.bucket,
        "path": f.path,
        "vid": f.vid,
        "location": f.location().map(|l| l.to_string()),
    })
}

fn file_rows(files: &[RecordFile]) -> Vec<Vec<String>> {
    files
        .iter()
        .map(|f| {
            vec![
                cell(&f.start_time),
                cell(&f.duration),
                cell(&f.format),
                cell(&f.app),
                cell(&f.stream),
                f.location()
                    .map_or_else(|| "-".to_owned(), |l| cell(&l.to_string())),
            ]
        })
        .collect()
}

/// Runs `list-record-files`.
pub(crate) async fn run(
    output: Output,
    client: &LiveClient,
    a: &FilesArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    if let Some(id) = &a.task_id {
        let mut files = client
            .record_files_of(id.as_str())
            .page_size(a.page_size)
            .max_pages_per_window(a.max_pages);
        if let Some(s) = a.storage {
            files = files.storage(s.into());
        }
        let files = files.all().await?;
        match output {
            Output::Json => writeln!(
                out,
                "{}",
                json!({"task_id": id, "files": files.iter().map(file_json).collect::<Vec<_>>()})
            )?,
            Output::Table => writeln!(
                out,
                "{}\n{} files of task {}",
                table(&FILE_HEADER, &file_rows(&files)),
                files.len(),
                cell(id)
            )?,
        }
        return Ok(());
    }
    let mut list = client
        .describe_record_task_file_history()
        .date_from(a.from.as_deref().unwrap_or_default())
        .date_to(a.to.as_deref().unwrap_or_default())
        .page_num(a.page)
        .page_size(a.page_size)
        .max_pages(a.max_pages);
    if let Some(v) = &a.vhost {
        list = list.vhost(v);
    }
    if let Some(v) = &a.app {
        list = list.app(v);
    }
    if let Some(v) = &a.stream {
        list = list.stream(v);
    }
    if let Some(s) = a.storage {
        list = list.storage(s.into());
    }
    if a.all {
        return all(output, list, a, out).await;
    }
    let page = list.send().await?;
    let p = page.pagination;
    match output {
        Output::Json => writeln!(
            out,
            "{}",
            json!({
                "request_id": page.request_id(),
                "files": page.files.iter().map(file_json).collect::<Vec<_>>(),
                "pagination": pagination_json(&p),
            })
        )?,
        Output::Table => writeln!(
            out,
            "{}\npage {} of {}, {} files in all; request id: {}",
            table(&FILE_HEADER, &file_rows(&page.files)),
            p.page_cur,
            p.page_total,
            p.total_count,
            cell(page.request_id())
        )?,
    }
    Ok(())
}

/// `--all`: page after page; the table is written as pages arrive, JSON as one object.
async fn all(
    output: Output,
    list: DescribeRecordTaskFileHistory,
    a: &FilesArgs,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let mut pages = list.pages();
    let mut asked = a.page;
    let mut t = Table::new(&FILE_HEADER);
    let mut files = Vec::new();
    let (mut count, mut fetched) = (0u64, 0u32);
    let mut last: Option<(String, Pagination)> = None;
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(page) => page,
            Err(e) if e.page().is_some() => return Err(Failure::Live(Box::new(e), None)),
            Err(e) => return Err(Failure::Live(Box::new(e), Some(asked))),
        };
        match output {
            Output::Json => files.extend(page.files.iter().map(file_json)),
            Output::Table => {
                let rows = file_rows(&page.files);
                t.fit(&rows);
                if fetched == 0 {
                    writeln!(out, "{}", t.line(&FILE_HEADER))?;
                }
                t.write(out, &rows)?;
                out.flush()?;
            }
        }
        count += page.files.len() as u64;
        fetched += 1;
        asked = page.pagination.page_cur.saturating_add(1);
        last = Some((page.request_id().to_owned(), page.pagination));
    }
    let (request_id, p) =
        last.unwrap_or_else(|| (String::new(), Pagination::new(a.page, a.page_size, 0)));
    match output {
        Output::Json => writeln!(
            out,
            "{}",
            json!({"files": files, "pagination": pagination_json(&p), "request_id": request_id})
        )?,
        Output::Table => writeln!(
            out,
            "{fetched} pages, {count} files (the service counts {}); last request id: {}",
            p.total_count,
            cell(&request_id)
        )?,
    }
    Ok(())
}
