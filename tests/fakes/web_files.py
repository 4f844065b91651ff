"""Fake ``files.getUploadURLExternal`` and ``files.completeUploadExternal``, and the upload URL
between them: what ``slack_sdk``'s ``files_upload_v2`` does, with Slack's rules and errors."""

from __future__ import annotations

import secrets
from typing import Any

from tests.fakes.slack_state import ApiError, UploadedFile, Workspace, invalid_arguments
from tests.fakes.web_common import Args, web_method

UPLOAD_PATH = "/upload/v1/"
MAX_ALT_TEXT = 1000
MAX_FILE_BYTES = 1024**3  # Slack's 1 GB limit per file
MAX_SNIPPET_BYTES = 1024**2
MAX_CHANNELS = 100
SNIPPET_TYPES = {"text", "markdown", "python", "javascript", "json", "yaml", "shell", "sql"}


@web_method("files.getUploadURLExternal")
def get_upload_url(ws: Workspace, args: Args) -> dict[str, Any]:
    length = args.integer("length", 0)
    if length <= 0:
        raise ApiError("missing_argument")  # Slack's answer to length 0
    if length > MAX_FILE_BYTES:
        raise ApiError("file_upload_size_restricted")
    if len(args.string("alt_txt") or "") > MAX_ALT_TEXT:
        raise ApiError("alt_txt_too_large")
    snippet = args.string("snippet_type")
    if snippet is not None and snippet not in SNIPPET_TYPES:
        raise ApiError("unknown_snippet_type")
    if snippet is not None and length > MAX_SNIPPET_BYTES:
        raise ApiError("snippet_too_large")
    ticket = secrets.token_hex(12)
    upload = UploadedFile(ws.new_id("F"), ticket, args.string("filename") or "", length)
    ws.files[upload.id] = upload
    return {"upload_url": f"{ws.base_url}{UPLOAD_PATH}{ticket}", "file_id": upload.id}


def receive_upload(ws: Workspace, ticket: str, content: bytes) -> tuple[int, str]:
    """The POST to an upload URL: (HTTP status, body). Slack answers `OK - <bytes>`."""
    upload = next((f for f in ws.files.values() if f.ticket == ticket), None)
    if upload is None or upload.completed:
        return 404, "Not Found"
    if len(content) != upload.length:
        return 400, f"length mismatch: declared {upload.length}, received {len(content)}"
    upload.content = content
    return 200, f"OK - {len(content)}"


@web_method("files.completeUploadExternal")
def complete_upload(ws: Workspace, args: Args) -> dict[str, Any]:
    wanted = _file_list(args)
    uploads = []
    for entry in wanted:
        upload = ws.files.get(str(entry.get("id") or ""))
        if upload is None or upload.content is None or upload.completed:
            raise ApiError("file_not_found")  # no ticket, no bytes yet, or already finished
        uploads.append((upload, str(entry.get("title") or upload.filename)))
    targets = _targets(ws, args)
    thread_ts = args.string("thread_ts")
    if thread_ts and len(targets) != 1:
        raise invalid_arguments("thread_ts needs exactly one channel")
    for upload, title in uploads:
        upload.completed, upload.title, upload.created = True, title, ws.now()
    shared = [file_json(ws, u) for u, _ in uploads]
    comment = args.string("initial_comment") or ""
    for channel in targets:
        ws.post(channel, text=comment, files=shared, thread_ts=thread_ts)
        for upload, _ in uploads:
            upload.channels.append(channel.id)
    return {"files": [file_json(ws, u) for u, _ in uploads]}


def _file_list(args: Args) -> list[dict[str, Any]]:
    files = args.json_value("files", error="invalid_arguments")
    if not isinstance(files, list) or not files:
        raise invalid_arguments("files must be a non-empty JSON array of {id, title}")
    if not all(isinstance(f, dict) and f.get("id") for f in files):
        raise invalid_arguments("each file needs an id")
    return files


def _targets(ws: Workspace, args: Args) -> list[Any]:
    """channel_id, or channels (comma-separated); none means the file stays private."""
    names = [args.string("channel_id")] if args.has("channel_id") else args.csv("channels")
    if len(names) > MAX_CHANNELS:
        raise ApiError("channels_limit_exceeded")
    channels = []
    for name in names:
        channel = ws.channels.get(name or "")
        if channel is None or not ws.visible(channel):
            raise ApiError("channel_not_found")
        if channel.is_archived:
            raise ApiError("invalid_channel")
        if channel.is_im:
            channels.append(channel)
            continue
        if ws.bot_user_id not in channel.members:
            raise ApiError("not_in_channel")
        channels.append(channel)
    return channels


def file_json(ws: Workspace, upload: UploadedFile) -> dict[str, Any]:
    return {
        "id": upload.id,
        "name": upload.filename,
        "title": upload.title,
        "created": upload.created,
        "timestamp": upload.created,
        "user": ws.bot_user_id,
        "size": upload.length,
        "mimetype": "text/markdown" if upload.filename.endswith(".md") else "text/plain",
        "filetype": "markdown" if upload.filename.endswith(".md") else "text",
        "channels": list(upload.channels),
        "permalink": f"https://fake.slack.test/files/{ws.bot_user_id}/{upload.id}",
    }
