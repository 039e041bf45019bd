//! `POST /api/companies/search/export` and `POST /api/companies/clients/search/export`: every row
//! a search matches (or the page it names) as a CSV or XLSX file. Rows arrive from the core one at
//! a time and leave as the file is written: CSV in chunks as rows come, XLSX through
//! rust_xlsxwriter's constant-memory worksheet (rows go to a temporary file, then the workbook is
//! zipped straight into the response). Memory stays flat whatever the number of rows; a failure
//! once the file has started ends the response early, so a client never mistakes a cut file for
//! a whole one.
use std::io::{self, Write};

use chrono::{DateTime, Utc};
use companygate_domain::DbErr;
use companygate_domain::credentials::clients::ClientView;
use companygate_domain::scoped::Unreadable;
use companygate_domain::search::SearchHit;
use companygate_domain::search::export::{ExportError, ExportRows};
use futures_util::stream;
use poem::{Body, IntoResponse, Response};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{Object, ResponseContent};
use rust_xlsxwriter::Workbook;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::body::Fields;
use crate::error::ApiError;

/// What an export adds to its search's body.
#[derive(Object, Debug)]
#[oai(rename_all = "camelCase")]
pub struct ExportOptions {
    /// `CSV` or `XLSX`, in any letter case.
    #[oai(validator(pattern = "^(?:[Cc][Ss][Vv]|[Xx][Ll][Ss][Xx])$"))]
    pub export_type: String,
    /// Every row the search matches (`true`), or only the page `pageNumber` and `pageSize`
    /// name (`false`, the default; also when null).
    #[oai(nullable, skip_serializing_if_is_none)]
    pub report_all_pages: Option<bool>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// `exportType` and `reportAllPages` of a body; the problems go with the search's own.
pub fn parse(body: &Value) -> Result<(Format, bool), Vec<String>> {
    let mut fields = Fields::of(body);
    let format = fields.required_str("exportType").and_then(|text| {
        if text.eq_ignore_ascii_case("csv") {
            Some(Format::Csv)
        } else if text.eq_ignore_ascii_case("xlsx") || text.eq_ignore_ascii_case("excel") {
            // `Excel`: the vendor's docs' name for the spreadsheet.
            Some(Format::Xlsx)
        } else {
            fields.problem("'exportType' must be CSV, XLSX or Excel".into())
        }
    });
    let all_pages = fields.optional_bool("reportAllPages").unwrap_or(false);
    match format {
        Some(format) if fields.problems.is_empty() => Ok((format, all_pages)),
        _ => Err(fields.problems),
    }
}

/// The search's body and the export's own fields as one input for the core (every problem of
/// both together), and the file format. An unreadable body's format is never used: the core
/// refuses the input.
pub fn combine<T>(
    search: Result<T, Unreadable>,
    export: Result<(Format, bool), Vec<String>>,
) -> (Result<(T, bool), Unreadable>, Format) {
    match (search, export) {
        (Ok(request), Ok((format, all_pages))) => (Ok((request, all_pages)), format),
        (Err(Unreadable(mut lines)), Err(more)) => {
            lines.extend(more);
            (Err(Unreadable(lines)), Format::Csv)
        }
        (Err(why), Ok(_)) => (Err(why), Format::Csv),
        (Ok(_), Err(lines)) => (Err(Unreadable(lines)), Format::Csv),
    }
}

impl<E: Into<ApiError>> From<ExportError<E>> for ApiError {
    fn from(e: ExportError<E>) -> Self {
        match e {
            ExportError::Refused(e) => e.into(),
            // As a rate limit: the client may retry shortly.
            ExportError::Busy => Self::TooManyRequests(BUSY_RETRY_AFTER_SECS),
        }
    }
}

/// When to retry an export refused because others are running.
const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// The file: its bytes as they are written, and the name `Content-Disposition` gives it. `K` says
/// how the spec describes it.
pub struct ExportBody<K> {
    body: Body,
    file_name: String,
    kind: std::marker::PhantomData<K>,
}

impl<K> ExportBody<K> {
    fn new(body: Body, file_name: String) -> Self {
        Self { body, file_name, kind: std::marker::PhantomData }
    }
}

/// CSV: text (client generators then hand it over as a string).
pub struct CsvText;
/// XLSX: bytes.
pub struct XlsxBytes;

pub trait FileKind: Send {
    fn schema() -> MetaSchema;
}

impl FileKind for CsvText {
    fn schema() -> MetaSchema {
        MetaSchema::new("string")
    }
}

impl FileKind for XlsxBytes {
    fn schema() -> MetaSchema {
        MetaSchema { format: Some("binary"), ..MetaSchema::new("string") }
    }
}

impl<K: FileKind> poem_openapi::payload::Payload for ExportBody<K> {
    const CONTENT_TYPE: &'static str = "application/octet-stream";

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(K::schema()))
    }
}

impl<K: FileKind> IntoResponse for ExportBody<K> {
    fn into_response(self) -> Response {
        Response::builder()
            .header("Content-Disposition", format!("attachment; filename=\"{}\"", self.file_name))
            .header("Cache-Control", "no-store")
            .body(self.body)
    }
}

/// The export, as `Content-Disposition: attachment; filename="companies-20261202-101500.csv"`.
#[derive(ResponseContent)]
pub enum ExportFile {
    #[oai(content_type = "text/csv; charset=utf-8")]
    Csv(ExportBody<CsvText>),
    #[oai(content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    Xlsx(ExportBody<XlsxBytes>),
}

crate::api_response!(
    ExportResponse,
    ExportFile,
    ExportFile,
    [BadRequest, Unauthorized, Forbidden, NotFound, TooManyRequests]
);

/// A cell of an exported row.
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    fn optional(value: Option<String>) -> Self {
        value.map_or(Self::Empty, Self::Text)
    }

    fn time(value: Option<DateTime<Utc>>) -> Self {
        value.map_or(Self::Empty, |t| Self::Text(t.to_rfc3339()))
    }

    fn yes_no(value: bool) -> Self {
        Self::text(if value { "Yes" } else { "No" })
    }

    fn number(value: impl Into<f64>) -> Self {
        Self::Number(value.into())
    }
}

/// A row type an export writes.
pub trait Sheet: Send + 'static {
    /// The name the file starts with.
    const NAME: &'static str;
    const HEADER: &'static [&'static str];
    fn cells(self, now: DateTime<Utc>) -> Vec<Cell>;
}

impl Sheet for SearchHit {
    const NAME: &'static str = "companies";
    const HEADER: &'static [&'static str] = &[
        "Company Name",
        "Company Resource Id",
        "Reseller Name",
        "Industry",
        "License Type",
        "Users Limited",
        "Number Of Users",
        "Target Users",
        "Inactive Target Users",
        "Deleted Target Users",
        "License End Date",
        "Licence Expired",
        "Create Time",
        "Tags",
    ];

    fn cells(self, now: DateTime<Utc>) -> Vec<Cell> {
        let row = self.row;
        vec![
            Cell::text(row.name),
            Cell::text(row.id),
            Cell::optional(row.reseller_name),
            Cell::optional(row.industry_name),
            Cell::optional(row.license_type_name),
            Cell::yes_no(row.is_number_of_users_limited),
            Cell::number(row.number_of_users),
            Cell::number(row.target_user_count as f64),
            Cell::number(row.inactive_target_user_count as f64),
            Cell::number(row.deleted_target_user_count as f64),
            Cell::time(row.license_end_date),
            Cell::yes_no(row.license_end_date.is_some_and(|end| end < now)),
            Cell::time(Some(row.create_time)),
            Cell::text(self.tags.join(", ")),
        ]
    }
}

impl Sheet for ClientView {
    const NAME: &'static str = "clients";
    const HEADER: &'static [&'static str] =
        &["Client Name", "Resource Id", "Client Id", "Role", "Status", "Create Time"];

    fn cells(self, _now: DateTime<Utc>) -> Vec<Cell> {
        vec![
            Cell::text(self.name),
            Cell::text(self.resource_id),
            Cell::text(self.client_id),
            Cell::text(self.role.as_str()),
            Cell::text(crate::envelope::status_name(self.status_id)),
            Cell::time(Some(self.create_time)),
        ]
    }
}

/// The response for `rows`, once the first row (or the end) has arrived: a database that fails
/// before anything is sent still gets the dialect's error answer.
pub async fn respond<T: Sheet>(mut rows: ExportRows<T>, format: Format) -> Result<ExportFile, ApiError> {
    let first = match rows.next().await {
        Some(Err(cause)) => return Err(ApiError::database(cause)),
        first => first,
    };
    let file_name = format!("{}-{}.{}", T::NAME, Utc::now().format("%Y%m%d-%H%M%S"), format.extension());
    Ok(match format {
        Format::Csv => ExportFile::Csv(ExportBody::new(csv_body(first, rows), file_name)),
        Format::Xlsx => ExportFile::Xlsx(ExportBody::new(xlsx_body(first, rows), file_name)),
    })
}

/// Bytes of CSV sent at a time (about).
const CHUNK: usize = 64 * 1024;

/// A cell a spreadsheet would read as a formula is written as text (`'` first), so an exported
/// name cannot run in whoever opens the file.
fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}").into() } else { text.into() }
}

fn csv_body<T: Sheet>(first: Option<Result<T, DbErr>>, rows: ExportRows<T>) -> Body {
    struct State<T> {
        pending: Option<Option<Result<T, DbErr>>>,
        rows: ExportRows<T>,
        header: bool,
        done: bool,
        now: DateTime<Utc>,
    }
    let state = State { pending: Some(first), rows, header: true, done: false, now: Utc::now() };
    let chunks = stream::unfold(state, |mut state| async move {
        if state.done {
            return None;
        }
        let mut out = csv::Writer::from_writer(Vec::with_capacity(CHUNK + 1024));
        if std::mem::take(&mut state.header) {
            out.write_record(T::HEADER).expect("writing to memory");
        }
        while out.get_ref().len() < CHUNK {
            let next = match state.pending.take() {
                Some(pending) => pending,
                None => state.rows.next().await,
            };
            match next {
                None => {
                    state.done = true;
                    break;
                }
                Some(Err(cause)) => {
                    tracing::warn!(%cause, "export ended early");
                    state.done = true;
                    return Some((Err(io::Error::other("the export ended early")), state));
                }
                Some(Ok(row)) => {
                    let cells = row.cells(state.now);
                    let record = cells.iter().map(|cell| match cell {
                        Cell::Text(text) => csv_text(text).into_owned(),
                        Cell::Number(n) => n.to_string(),
                        Cell::Empty => String::new(),
                    });
                    out.write_record(record).expect("writing to memory");
                }
            }
        }
        let bytes = out.into_inner().expect("writing to memory");
        Some((Ok(bytes), state))
    });
    Body::from_bytes_stream(chunks)
}

/// The most rows an XLSX worksheet holds, the header included.
const XLSX_MAX_ROWS: u32 = 1_048_576;

fn xlsx_body<T: Sheet>(first: Option<Result<T, DbErr>>, rows: ExportRows<T>) -> Body {
    let (tx, rx) = mpsc::channel::<io::Result<Vec<u8>>>(8);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter { tx, buffer: Vec::with_capacity(CHUNK) };
        if let Err(why) = write_xlsx(&runtime, first, rows, &mut out) {
            tracing::warn!(%why, "export ended early");
            let _ = out.tx.blocking_send(Err(io::Error::other("the export ended early")));
        }
    });
    Body::from_bytes_stream(stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) }))
}

fn write_xlsx<T: Sheet>(
    runtime: &tokio::runtime::Handle,
    mut pending: Option<Result<T, DbErr>>,
    mut rows: ExportRows<T>,
    out: &mut ChannelWriter,
) -> Result<(), String> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory().map_err(|e| e.to_string())?;
    sheet.set_name(T::NAME).map_err(|e| e.to_string())?;
    for (col, title) in T::HEADER.iter().enumerate() {
        sheet.write_string(0, col as u16, *title).map_err(|e| e.to_string())?;
    }
    let now = Utc::now();
    let mut row_number = 1u32;
    loop {
        let next = match pending.take() {
            Some(row) => Some(row),
            None => runtime.block_on(rows.next()),
        };
        let row = match next {
            None => break,
            Some(row) => row.map_err(|e| e.to_string())?,
        };
        if out.tx.is_closed() {
            return Ok(()); // the client went away
        }
        if row_number >= XLSX_MAX_ROWS {
            return Err(format!("an XLSX worksheet holds at most {} rows; export as CSV", XLSX_MAX_ROWS - 1));
        }
        for (col, cell) in row.cells(now).into_iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(text) => sheet.write_string(row_number, col, text),
                Cell::Number(n) => sheet.write_number(row_number, col, n),
                Cell::Empty => continue,
            }
            .map_err(|e| e.to_string())?;
        }
        row_number += 1;
    }
    workbook.save_to_writer(&mut *out).map_err(|e| e.to_string())?;
    out.flush().map_err(|e| e.to_string())
}

/// Hands what is written to the response in chunks (blocking while the client catches up).
struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Vec<u8>>>,
    buffer: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_is_written_as_text() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("-1+2"), "'-1+2");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("Acme"), "Acme");
    }

    #[test]
    fn the_export_type_is_csv_or_xlsx_in_any_case() {
        let parsed = |body: Value| parse(&body);
        assert_eq!(parsed(serde_json::json!({"exportType": "csv"})), Ok((Format::Csv, false)));
        assert_eq!(parsed(serde_json::json!({"exportType": "XLSX", "reportAllPages": true})), Ok((Format::Xlsx, true)));
        assert_eq!(parsed(serde_json::json!({"exportType": "Excel"})), Ok((Format::Xlsx, false)));
        assert_eq!(
            parsed(serde_json::json!({"exportType": "pdf"})),
            Err(vec!["'exportType' must be CSV, XLSX or Excel".into()])
        );
        assert_eq!(parsed(serde_json::json!({})), Err(vec!["'exportType' is required".into()]));
    }
}
