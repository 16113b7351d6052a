/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-qmp-client.h"

G_BEGIN_DECLS

/* Calls go one way: hg-qmp-client-io.c (the transport: reading, framing,
 * writing, pending commands, errors) <- hg-qmp-client.c (object, opening,
 * the greeting, events, shutting down, execute, accessors), which hands the
 * transport its reactions as the pointers below. */

typedef enum {
  STATE_NEW,
  STATE_CONNECTING,
  STATE_GREETING,
  STATE_CAPABILITIES,
  STATE_READY,
  STATE_CLOSED,
} HgQmpClientState;

typedef struct {
  HgQmpClient *self;      /* unowned; the task holds a ref */
  char        *id;
  char        *command;
  guint        timeout_ms;
  GTask       *task;
  GSource     *timeout_source;
  GSource     *cancel_source;
} HgQmpPending;

struct _HgQmpClient {
  GObject             parent_instance;

  char               *path;
  GMainContext       *context;
  guint               greeting_timeout_ms;
  guint               command_timeout_ms;
  guint               max_message_size;

  HgQmpClientState    state;
  GSocketConnection  *connection;
  GInputStream       *input;
  GOutputStream      *output;
  GCancellable       *io_cancellable;

  GByteArray         *inbuf;
  gsize               scanned;   /* inbuf[0..scanned) holds no '\n' */
  GQueue              outq;      /* GBytes* */
  gboolean            writing;

  GHashTable         *pending;   /* id -> HgQmpPending* (not owned by the table) */
  guint64             next_id;

  GTask              *open_task;
  GSource            *open_timeout_source;
  GSource            *open_cancel_source;

  gboolean            have_version;
  guint               version[3];
  gboolean            disconnected_emitted;

  /* set by hg-qmp-client.c, called by the transport: an event, the
   * greeting; closing the socket, failing every pending command and
   * completing the open task with reason (handshake) or emitting
   * "disconnected" */
  void (*emit_event)          (HgQmpClient *self, JsonObject *root);
  void (*handle_greeting)     (HgQmpClient *self, JsonObject *root);
  void (*shutdown_connection) (HgQmpClient *self, const GError *reason, gboolean emit);
};

/* hg-qmp-client-io.c */
void _hg_qmp_client_send_command        (HgQmpClient  *self,
                                         GTask        *task,       /* transfer full */
                                         const char   *command,
                                         JsonNode     *arguments,
                                         guint         timeout_ms,
                                         GCancellable *cancellable);
void _hg_qmp_client_fail_all_pending    (HgQmpClient *self, const GError *reason);
void _hg_qmp_client_read_more           (HgQmpClient *self);

G_END_DECLS
