/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * HgTargetDir — a VM folder about to appear in the library, <parent>/<name>
 * (a clone's new folder, a moved VM's new place), and the work that puts
 * it there, run in a GTask thread.
 *
 * hg_target_dir_prepare refuses a target that exists (G_IO_ERROR_EXISTS,
 * "… already exists: choose another folder"), makes the folders of parent
 * that are missing and, if asked, the target itself, and remembers what it
 * made: hg_target_dir_undo takes that away again (the target with what
 * was put into it) when the work fails.
 */

typedef struct {
  char      *path;       /* <parent>/<name> */
  GPtrArray *created;    /* folders made by prepare, outermost first */
} HgTargetDir;

gboolean hg_target_dir_prepare (HgTargetDir  *target,
                                const char   *parent,
                                const char   *name,
                                gboolean      make_target,
                                GError      **error);
void     hg_target_dir_undo    (HgTargetDir  *target);
void     hg_target_dir_clear   (HgTargetDir  *target);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (HgTargetDir, hg_target_dir_clear)

/* The work: returns the new config path, or NULL with error */
typedef char *(*HgTargetDirFunc) (gpointer       task_data,
                                  GCancellable  *cancellable,
                                  GError       **error);

/* Runs func (task_data) in a thread; source_tag is the caller's _async */
void     hg_target_dir_run_async  (gpointer             source_tag,
                                   HgTargetDirFunc      func,
                                   gpointer             task_data,
                                   GDestroyNotify       task_data_free,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
/* The config path func returned (free it), or NULL with error */
char    *hg_target_dir_run_finish (GAsyncResult        *result,
                                   gpointer             source_tag,
                                   GError             **error);

G_END_DECLS
