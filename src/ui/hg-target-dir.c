/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-target-dir.h"

/* Removes a directory this operation created, with what is in it. */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else if (g_unlink (child) != 0)
        g_debug ("Cannot remove %s: %s", child, g_strerror (errno));
    }
  if (g_rmdir (path) != 0)
    g_debug ("Cannot remove %s: %s", path, g_strerror (errno));
}

static void
set_exists_error (GError     **error,
                  const char  *path)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, _("%s already exists: choose another folder"), path);
}

gboolean
hg_target_dir_prepare (HgTargetDir  *target,
                       const char   *parent,
                       const char   *name,
                       gboolean      make_target,
                       GError      **error)
{
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (target != NULL && target->path == NULL, FALSE);
  g_return_val_if_fail (parent != NULL && name != NULL, FALSE);

  target->path = g_build_filename (parent, name, NULL);
  target->created = g_ptr_array_new_with_free_func (g_free);
  if (g_file_test (target->path, G_FILE_TEST_EXISTS))
    {
      set_exists_error (error, target->path);
      return FALSE;
    }
  /* the folders of parent that are not there yet, outermost first */
  {
    g_autofree char *path = g_strdup (parent);

    while (!g_file_test (path, G_FILE_TEST_EXISTS))
      {
        char *up = g_path_get_dirname (path);

        g_ptr_array_insert (missing, 0, g_steal_pointer (&path));
        path = up;
        if (g_strcmp0 (path, "/") == 0)
          break;
      }
  }
  if (make_target)
    g_ptr_array_add (missing, g_strdup (target->path));

  for (guint i = 0; i < missing->len; i++)
    {
      const char *dir = g_ptr_array_index (missing, i);

      /* a VM directory is private (0700); the folders above it are not */
      if (g_mkdir (dir, g_strcmp0 (dir, target->path) == 0 ? 0700 : 0755) != 0)
        {
          int saved = errno;

          if (saved == EEXIST)
            set_exists_error (error, dir);
          else
            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                         _("Cannot create the folder %s: %s"), dir, g_strerror (saved));
          hg_target_dir_undo (target);
          return FALSE;
        }
      g_ptr_array_add (target->created, g_strdup (dir));
    }
  return TRUE;
}

void
hg_target_dir_undo (HgTargetDir *target)
{
  for (guint i = target->created != NULL ? target->created->len : 0; i > 0; i--)
    {
      const char *dir = g_ptr_array_index (target->created, i - 1);

      /* only the target can have been filled */
      if (g_strcmp0 (dir, target->path) == 0)
        remove_tree (dir);
      else if (g_rmdir (dir) != 0)
        g_debug ("Cannot remove %s: %s", dir, g_strerror (errno));
    }
  if (target->created != NULL)
    g_ptr_array_set_size (target->created, 0);
}

void
hg_target_dir_clear (HgTargetDir *target)
{
  g_clear_pointer (&target->path, g_free);
  g_clear_pointer (&target->created, g_ptr_array_unref);
}

/* ---- the thread ------------------------------------------------------------------ */

typedef struct {
  HgTargetDirFunc func;
  gpointer        data;
  GDestroyNotify  data_free;
} RunData;

static void
run_data_free (RunData *run)
{
  if (run->data_free != NULL)
    run->data_free (run->data);
  g_free (run);
}

static void
run_thread (GTask        *task,
            gpointer      source_object,
            gpointer      task_data,
            GCancellable *cancellable)
{
  RunData *run = task_data;
  GError *error = NULL;
  char *path = run->func (run->data, cancellable, &error);

  if (path == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, path, g_free);
}

void
hg_target_dir_run_async (gpointer             source_tag,
                         HgTargetDirFunc      func,
                         gpointer             task_data,
                         GDestroyNotify       task_data_free,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  RunData *run = g_new0 (RunData, 1);

  run->func = func;
  run->data = task_data;
  run->data_free = task_data_free;
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, run, (GDestroyNotify) run_data_free);
  g_task_run_in_thread (task, run_thread);
}

char *
hg_target_dir_run_finish (GAsyncResult  *result,
                          gpointer       source_tag,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
