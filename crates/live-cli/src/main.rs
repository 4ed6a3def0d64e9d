//! `volc-live`: Volcengine Live pull-record tasks from a shell.
//!
//! Exit status: 0 success; 1 the service returned an error; 2 invalid usage or input (found
//! before any request); 3 transport failure, timeout or an undecodable response; 4 credentials
//! missing or unreadable.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use live_api::{ErrorKind, LiveClient, LiveError, StandardRetry};
use live_model::{Pagination, PullRecordTask};
use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

/// Look at and manage Volcengine Live pull-record tasks.
///
/// Credentials come from VOLCENGINE_ACCESS_KEY / VOLCENGINE_SECRET_KEY
/// (/ VOLCENGINE_SESSION_TOKEN), else VOLC_ACCESSKEY / VOLC_SECRETKEY, else
/// ~/.volc/credentials, else ~/.volc/config.
#[derive(Debug, Parser)]
#[command(name = "volc-live", version, about)]
struct Cli {
    /// The API endpoint (http:// only for loopback, e.g. a local emulator).
    #[arg(long, global = true, default_value = live_model::DEFAULT_ENDPOINT)]
    endpoint: String,
    /// The region.
    #[arg(long, global = true, default_value = live_model::DEFAULT_REGION)]
    region: String,
    /// Give up after this many seconds, retries included.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
    /// Retries after a failed attempt (only what is safe to retry is retried).
    #[arg(long, global = true, value_name = "N", default_value_t = 2)]
    retries: u32,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// Trace to stderr (-v: debug, -vv: trace). Secrets are never shown.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show one task.
    GetPullRecordTask {
        /// The task id.
        #[arg(long)]
        task_id: String,
    },
    /// List tasks, one page or all of them.
    ListPullRecordTasks(ListArgs),
    /// Create a task that records a pull stream.
    CreatePullRecordTask(CreateArgs),
    /// Stop a task that has not started or is recording.
    StopPullRecordTask {
        /// The task id.
        #[arg(long)]
        task_id: String,
    },
}

#[derive(Debug, Args)]
struct ListArgs {
    /// Only tasks of this domain space.
    #[arg(long)]
    vhost: Option<String>,
    /// Only tasks of this domain.
    #[arg(long)]
    domain: Option<String>,
    /// Only tasks of this application.
    #[arg(long)]
    app: Option<String>,
    /// Only tasks of this stream.
    #[arg(long)]
    stream: Option<String>,
    /// Tasks per page (1 to 500).
    #[arg(long, default_value_t = 20)]
    page_size: u32,
    /// The page to show.
    #[arg(long, default_value_t = 1)]
    page: u32,
    /// Every page, from --page on.
    #[arg(long)]
    all: bool,
}

#[derive(Debug, Args)]
struct CreateArgs {
    /// The push or pull domain of the stream.
    #[arg(long)]
    domain: String,
    /// The application name.
    #[arg(long)]
    app: String,
    /// The stream name.
    #[arg(long)]
    stream: String,
    /// The pull URL to record.
    #[arg(long)]
    stream_url: String,
    /// The domain space.
    #[arg(long)]
    vhost: Option<String>,
    /// When to start, RFC 3339 (default: now).
    #[arg(long)]
    start_time: Option<String>,
    /// When to stop, RFC 3339 (default: when the stream ends).
    #[arg(long)]
    end_time: Option<String>,
}

/// The exit status for an error.
fn exit_code(e: &LiveError) -> u8 {
    match e.kind() {
        ErrorKind::Service(_) => 1,
        ErrorKind::InvalidInput(_) | ErrorKind::Config(_) => 2,
        ErrorKind::Credentials(_) => 4,
        _ => 3,
    }
}

fn task_json(t: &PullRecordTask) -> Value {
    json!({
        "task_id": t.task_id,
        "start_time": t.start_time,
        "end_time": t.end_time,
        "vhost": t.vhost,
        "domain": t.domain,
        "app": t.app,
        "stream": t.stream,
        "status": t.status.name(),
        "status_text": t.status.text(),
    })
}

fn pagination_json(p: &Pagination) -> Value {
    json!({
        "page_cur": p.page_cur,
        "page_size": p.page_size,
        "page_total": p.page_total,
        "total_count": p.total_count,
    })
}

/// Rows with aligned columns (by display width, so Chinese text lines up).
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            out.push_str(cell);
            if i + 1 < widths.len() {
                out.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        out.trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    for row in rows {
        out.push('\n');
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

fn task_rows(tasks: &[PullRecordTask]) -> Vec<Vec<String>> {
    tasks
        .iter()
        .map(|t| {
            vec![
                t.task_id.clone(),
                format!("{} ({})", t.status.name(), t.status.text()),
                t.vhost.clone(),
                t.domain.clone(),
                t.app.clone(),
                t.stream.clone().unwrap_or_else(|| "-".into()),
                t.start_time.clone(),
                t.end_time.clone(),
            ]
        })
        .collect()
}

const TASK_HEADER: [&str; 8] = [
    "TASK ID", "STATUS", "VHOST", "DOMAIN", "APP", "STREAM", "START", "END",
];

async fn run(cli: &Cli, client: &LiveClient) -> Result<(Value, String), LiveError> {
    match &cli.command {
        Command::GetPullRecordTask { task_id } => {
            let out = client
                .get_pull_record_task()
                .task_id(task_id)
                .send()
                .await?;
            let text = format!(
                "{}\nrequest id: {}",
                table(&TASK_HEADER, &task_rows(std::slice::from_ref(&out.task))),
                out.request_id()
            );
            Ok((
                json!({"request_id": out.request_id(), "task": task_json(&out.task)}),
                text,
            ))
        }
        Command::ListPullRecordTasks(a) => {
            let mut list = client
                .list_pull_record_tasks()
                .page_num(a.page)
                .page_size(a.page_size);
            if let Some(v) = &a.vhost {
                list = list.vhost(v);
            }
            if let Some(v) = &a.domain {
                list = list.domain(v);
            }
            if let Some(v) = &a.app {
                list = list.app(v);
            }
            if let Some(v) = &a.stream {
                list = list.stream(v);
            }
            let mut tasks = Vec::new();
            let mut last = None;
            if a.all {
                let mut pages = list.pages();
                while let Some(page) = pages.next().await {
                    let page = page?;
                    tasks.extend(page.tasks.iter().cloned());
                    last = Some(page);
                }
            } else {
                let page = list.send().await?;
                tasks = page.tasks.clone();
                last = Some(page);
            }
            let (request_id, pagination) = last
                .map(|p| (p.request_id().to_owned(), p.pagination))
                .unwrap_or_else(|| (String::new(), Pagination::new(a.page, a.page_size, 0)));
            let text = format!(
                "{}\npage {} of {}, {} tasks in all; request id: {request_id}",
                table(&TASK_HEADER, &task_rows(&tasks)),
                pagination.page_cur,
                pagination.page_total,
                pagination.total_count
            );
            Ok((
                json!({
                    "request_id": request_id,
                    "tasks": tasks.iter().map(task_json).collect::<Vec<_>>(),
                    "pagination": pagination_json(&pagination),
                }),
                text,
            ))
        }
        Command::CreatePullRecordTask(a) => {
            let mut create = client
                .create_pull_record_task()
                .domain(&a.domain)
                .app(&a.app)
                .stream(&a.stream)
                .stream_url(&a.stream_url);
            if let Some(v) = &a.vhost {
                create = create.vhost(v);
            }
            if let Some(v) = &a.start_time {
                create = create.start_time(v);
            }
            if let Some(v) = &a.end_time {
                create = create.end_time(v);
            }
            let out = create.send().await?;
            let text = format!(
                "created task {}\nrequest id: {}",
                out.task_id,
                out.request_id()
            );
            Ok((
                json!({"request_id": out.request_id(), "task_id": out.task_id}),
                text,
            ))
        }
        Command::StopPullRecordTask { task_id } => {
            let out = client
                .stop_pull_record_task()
                .task_id(task_id)
                .send()
                .await?;
            let mut text = format!("stopped task {task_id}\nrequest id: {}", out.request_id());
            if out.reconciled {
                text.push_str(
                    "\n(the stop's answer was lost; GetPullRecordTask shows the task stopped)",
                );
            }
            Ok((
                json!({"request_id": out.request_id(), "reconciled": out.reconciled}),
                text,
            ))
        }
    }
}

/// One line for stderr: what failed, with code, message, request id and status.
fn error_line(e: &LiveError) -> String {
    format!("volc-live: {e}")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.verbose > 0 {
        let level = if cli.verbose > 1 { "trace" } else { "debug" };
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::new(format!(
                "live_api={level},volc_live={level}"
            )))
            .init();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("volc-live: cannot start: {e}");
            return ExitCode::from(3);
        }
    };
    let timeout = Duration::from_secs(cli.timeout.max(1));
    let client = LiveClient::builder()
        .endpoint(&cli.endpoint)
        .region(&cli.region)
        .operation_timeout(timeout)
        .attempt_timeout(timeout.min(Duration::from_secs(10)))
        .retry(StandardRetry::default().max_attempts(cli.retries.saturating_add(1)))
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{}", error_line(&e));
            return ExitCode::from(exit_code(&e));
        }
    };
    match runtime.block_on(run(&cli, &client)) {
        Ok((value, text)) => {
            match cli.output {
                Output::Json => println!("{value}"),
                Output::Table => println!("{text}"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", error_line(&e));
            ExitCode::from(exit_code(&e))
        }
    }
}
