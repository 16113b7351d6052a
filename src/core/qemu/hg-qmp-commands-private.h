/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hg-qmp-commands.h"

G_BEGIN_DECLS

/* The plumbing shared by hg-qmp-commands.c (run control, status, HMP,
 * screendump, keys), hg-qmp-commands-block.c (block devices, media) and
 * hg-qmp-commands-snapshot.c (snapshots through HMP). */

/* A new {} arguments node, and its object. */
JsonNode   *_hg_qmp_args_new   (void);
JsonObject *_hg_qmp_args_obj   (JsonNode *node);
/* HG_QMP_ERROR_PROTOCOL naming command. */
GError     *_hg_qmp_shape_error (const char *command);

/* Commands without a result: the task (source_tag) completes with TRUE. */
void        _hg_qmp_simple_run (HgQmpClient        *client,
                                const char         *command,
                                JsonNode           *arguments,
                                gboolean            disconnect_is_success,
                                gpointer            source_tag,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data);

/* Commands with a result: runs command and hands the "return" node to func
 * in the callback, which completes the task. */
typedef void (*HgQmpReturnFunc) (GTask *task, const char *command, JsonNode *ret);

GTask      *_hg_qmp_value_task_new (HgQmpClient        *client,
                                    const char         *command,
                                    HgQmpReturnFunc     func,
                                    gpointer            source_tag,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
void        _hg_qmp_value_run      (HgQmpClient *client,
                                    GTask       *task,   /* transfer full */
                                    JsonNode    *arguments,
                                    guint        timeout_ms);

/* {"command-line": command_line} for human-monitor-command. */
JsonNode   *_hg_qmp_hmp_args   (const char *command_line);

G_END_DECLS
