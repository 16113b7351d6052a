/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * HgQmpClient — the QMP transport (libvirt qemu_monitor.c).
 *
 * One object per QMP UNIX socket.  It reads QEMU's greeting, negotiates
 * capabilities, then sends commands (each with its own "id") and matches the
 * replies to the waiting GTasks, whatever order they come back in.  Events
 * are emitted as the detailed signal "event" (connect to "event::SHUTDOWN"
 * to get only one kind).  When the connection ends — EOF, I/O error,
 * protocol violation, hg_qmp_client_close() — every pending command fails
 * with HG_QMP_ERROR_DISCONNECTED and "disconnected" is emitted exactly once.
 *
 * Typed commands (query-status, stop, cont, screendump …) are in
 * hg-qmp-commands.h.
 *
 * Threading: an HgQmpClient belongs to the thread-default main context that
 * was current when it was created; its callbacks, signals and timeouts all
 * run there.
 *
 * Lifetime: pending commands keep the client alive until they finish or time
 * out.  Dropping the last reference closes the socket (without emitting
 * "disconnected": nobody is listening any more).
 */

#define HG_QMP_ERROR (hg_qmp_error_quark ())

typedef enum {
  HG_QMP_ERROR_FAILED,             /* anything not listed below */
  HG_QMP_ERROR_CONNECT,            /* socket could not be connected */
  HG_QMP_ERROR_TIMEOUT,            /* no greeting / no reply in time */
  HG_QMP_ERROR_PROTOCOL,           /* not JSON, not UTF-8, not QMP */
  HG_QMP_ERROR_TOO_LARGE,          /* a message exceeded max-message-size */
  HG_QMP_ERROR_DISCONNECTED,       /* the connection is gone */
  HG_QMP_ERROR_NOT_CONNECTED,      /* command issued before open / after close */
  /* QEMU's own error classes, {"error":{"class":…,"desc":…}} */
  HG_QMP_ERROR_GENERIC,            /* GenericError */
  HG_QMP_ERROR_COMMAND_NOT_FOUND,  /* CommandNotFound */
  HG_QMP_ERROR_DEVICE_NOT_FOUND,   /* DeviceNotFound */
  HG_QMP_ERROR_DEVICE_NOT_ACTIVE,  /* DeviceNotActive */
  HG_QMP_ERROR_KVM_MISSING_CAP,    /* KVMMissingCap */
  HG_QMP_ERROR_UNKNOWN_CLASS,      /* an error class this version doesn't know */
  /* Errors found in the text of a human-monitor-command answer */
  HG_QMP_ERROR_HMP,
  HG_QMP_ERROR_INVALID_ARGUMENT,   /* a bad name/key/argument given to a helper */
  HG_QMP_ERROR_SNAPSHOT_EXISTS,    /* savevm would replace a snapshot of that name */
  HG_QMP_ERROR_SNAPSHOT_NOT_FOUND, /* loadvm/delvm of a name that is not there */
} HgQmpError;

GQuark hg_qmp_error_quark (void);

/* Maps a QMP error class name ("GenericError" …) to an HgQmpError code;
 * unknown classes give HG_QMP_ERROR_UNKNOWN_CLASS. */
HgQmpError hg_qmp_error_from_class (const char *error_class);

#define HG_QMP_DEFAULT_GREETING_TIMEOUT_MS 5000
#define HG_QMP_DEFAULT_COMMAND_TIMEOUT_MS  30000
#define HG_QMP_DEFAULT_MAX_MESSAGE_SIZE    (16 * 1024 * 1024)

#define HG_TYPE_QMP_CLIENT (hg_qmp_client_get_type ())
G_DECLARE_FINAL_TYPE (HgQmpClient, hg_qmp_client, HG, QMP_CLIENT, GObject)

/*
 * Properties:
 *   "path"              char*   construct-only  the UNIX socket path
 *   "connected"         gboolean read-only      greeting done, not yet closed
 *   "greeting-timeout"  guint   ms              (default 5000; 0 = none)
 *   "command-timeout"   guint   ms              (default 30000; 0 = none)
 *   "max-message-size"  guint   bytes           (default 16 MiB)
 *
 * Signals:
 *   "event" (G_SIGNAL_DETAILED, detail = event name, e.g. "event::STOP")
 *       void (*) (HgQmpClient *client, const char *name, JsonObject *data,
 *                 gint64 timestamp_us, gpointer user_data)
 *     data is never NULL (an empty object when the event carries none) and
 *     is only valid during the emission (json_object_ref it to keep it).
 *     timestamp_us is QEMU's timestamp in µs since the Unix epoch (-1 if
 *     missing).  Events Hangar does not know are emitted too.
 *     Common ones: STOP, RESUME, SHUTDOWN (data: guest, reason), RESET,
 *     POWERDOWN, DEVICE_TRAY_MOVED (device, id, tray-open),
 *     BLOCK_IO_ERROR (device, operation, action, reason).
 *
 *   "disconnected"
 *       void (*) (HgQmpClient *client, const GError *error, gpointer user_data)
 *     Emitted once, after the socket is closed and after every pending
 *     command was failed.  error says why: HG_QMP_ERROR_DISCONNECTED for
 *     EOF or a reset ("QEMU closed the QMP connection …", which is what a
 *     quit, a guest power-off or a killed QEMU look like) or
 *     hg_qmp_client_close(); HG_QMP_ERROR_PROTOCOL / _TOO_LARGE for a
 *     misbehaving peer; otherwise the G_IO_ERROR of a failed read/write.
 *     Not emitted when the handshake fails (open_finish reports that) nor
 *     when the last reference is dropped.
 *
 *   To tell a crash from a normal stop, look for a SHUTDOWN event before
 *   "disconnected" (libvirt does the same).
 */

/* A client for the socket at path, not yet connected.  Set timeouts etc.
 * with the setters, then hg_qmp_client_open_async(). */
HgQmpClient *hg_qmp_client_new                    (const char *path);

/* Connects, waits for the greeting (greeting-timeout, covering the whole
 * handshake), sends qmp_capabilities and completes when commands can be
 * sent.  Errors: HG_QMP_ERROR_CONNECT, _TIMEOUT, _PROTOCOL, _TOO_LARGE,
 * _DISCONNECTED, G_IO_ERROR_CANCELLED (also when hg_qmp_client_close() is
 * called meanwhile).  On failure the client is closed (no "disconnected"
 * emission) and cannot be reopened: make a new one to retry. */
void         hg_qmp_client_open_async             (HgQmpClient         *client,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean     hg_qmp_client_open_finish            (HgQmpClient         *client,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Convenience: hg_qmp_client_new() + open with the defaults.  _finish
 * returns a connected client (transfer full) or NULL with error set. */
void         hg_qmp_client_connect_async          (const char          *path,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
HgQmpClient *hg_qmp_client_connect_finish         (GAsyncResult        *result,
                                                   GError             **error);

/* Sends {"execute": command, "arguments": arguments, "id": …}.  arguments
 * may be NULL, else must be a JSON object (not consumed; it is copied).
 * _finish returns the "return" member (transfer full; an empty object for
 * commands that return nothing) or NULL with:
 *   one of the QEMU error-class codes, the message being QEMU's "desc";
 *   HG_QMP_ERROR_TIMEOUT after command-timeout (the client stays usable,
 *     a late reply is logged and ignored);
 *   HG_QMP_ERROR_DISCONNECTED / _NOT_CONNECTED;
 *   G_IO_ERROR_CANCELLED (the command may still have run in QEMU).
 * Commands are written in the order they were issued. */
void         hg_qmp_client_execute_async          (HgQmpClient         *client,
                                                   const char          *command,
                                                   JsonNode            *arguments,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
/* Same with an explicit timeout for this one command (0 = the client's
 * command-timeout, G_MAXUINT = none). */
void         hg_qmp_client_execute_full_async     (HgQmpClient         *client,
                                                   const char          *command,
                                                   JsonNode            *arguments,
                                                   guint                timeout_ms,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
JsonNode    *hg_qmp_client_execute_finish         (HgQmpClient         *client,
                                                   GAsyncResult        *result,
                                                   GError             **error);

/* Closes the socket now: pending commands fail with HG_QMP_ERROR_DISCONNECTED
 * and "disconnected" is emitted (if it was not already).  Idempotent. */
void         hg_qmp_client_close                  (HgQmpClient         *client);

const char  *hg_qmp_client_get_path               (HgQmpClient         *client);
gboolean     hg_qmp_client_is_connected           (HgQmpClient         *client);
/* From the greeting; FALSE before it arrived. */
gboolean     hg_qmp_client_get_qemu_version       (HgQmpClient         *client,
                                                   guint               *major,
                                                   guint               *minor,
                                                   guint               *micro);
/* Number of commands sent and not yet answered, failed or timed out. */
guint        hg_qmp_client_get_n_pending          (HgQmpClient         *client);

guint        hg_qmp_client_get_greeting_timeout   (HgQmpClient         *client);
void         hg_qmp_client_set_greeting_timeout   (HgQmpClient         *client,
                                                   guint                timeout_ms);
guint        hg_qmp_client_get_command_timeout    (HgQmpClient         *client);
void         hg_qmp_client_set_command_timeout    (HgQmpClient         *client,
                                                   guint                timeout_ms);
guint        hg_qmp_client_get_max_message_size   (HgQmpClient         *client);
void         hg_qmp_client_set_max_message_size   (HgQmpClient         *client,
                                                   guint                max_bytes);

G_END_DECLS
