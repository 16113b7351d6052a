/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-qmp"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "hg-qmp-commands-private.h"

/* ---- snapshots through HMP -------------------------------------------- */

gboolean
hg_qmp_snapshot_name_is_valid (const char *name, GError **error)
{
  gboolean all_digits = TRUE;
  gsize len;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("The snapshot name is empty"));
      return FALSE;
    }
  len = strlen (name);
  if (len > 127)
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("The snapshot name is longer than 127 characters"));
      return FALSE;
    }
  if (name[0] == '-')
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("The snapshot name “%s” starts with “-”"), name);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      char c = name[i];

      if (!g_ascii_isalnum (c) && c != '.' && c != '_' && c != '-')
        {
          g_autofree char *valid = g_utf8_make_valid (name, -1);

          g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                       _("The snapshot name “%s” may only contain letters, digits, "
                         "“.”, “_” and “-”"), valid);
          return FALSE;
        }
      if (!g_ascii_isdigit (c))
        all_digits = FALSE;
    }
  if (all_digits)
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("The snapshot name “%s” is all digits, which QEMU would take for "
                     "a snapshot ID"), name);
      return FALSE;
    }
  return TRUE;
}

static void
snapshot_hmp_done_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) ret = NULL;
  g_autofree char *text = NULL;

  ret = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (ret == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!JSON_NODE_HOLDS_VALUE (ret) || json_node_get_value_type (ret) != G_TYPE_STRING)
    {
      g_task_return_error (task, _hg_qmp_shape_error ("human-monitor-command"));
      return;
    }
  /* savevm, loadvm and delvm print nothing when they succeed. */
  text = g_strstrip (g_strdup (json_node_get_string (ret)));
  if (*text != '\0')
    {
      const char *msg = g_str_has_prefix (text, "Error: ") ? text + 7 : text;

      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_HMP,
                               _("%s failed: %s"), (const char *) g_task_get_task_data (task),
                               msg);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
snapshot_hmp_run (HgQmpClient *client, const char *verb, const char *name,
                  gpointer source_tag, GCancellable *cancellable,
                  GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) args = NULL;
  g_autofree char *line = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  if (!hg_qmp_snapshot_name_is_valid (name, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  line = g_strdup_printf ("%s %s", verb, name);
  g_task_set_task_data (task, g_strdup_printf ("%s %s", verb, name), g_free);
  args = _hg_qmp_hmp_args (line);
  hg_qmp_client_execute_full_async (client, "human-monitor-command", args, G_MAXUINT,
                                    cancellable, snapshot_hmp_done_cb, g_steal_pointer (&task));
}

void
hg_qmp_savevm_async (HgQmpClient *client, const char *name, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  snapshot_hmp_run (client, "savevm", name, hg_qmp_savevm_async, cancellable, callback, user_data);
}

void
hg_qmp_loadvm_async (HgQmpClient *client, const char *name, GCancellable *cancellable,
                     GAsyncReadyCallback callback, gpointer user_data)
{
  snapshot_hmp_run (client, "loadvm", name, hg_qmp_loadvm_async, cancellable, callback, user_data);
}

void
hg_qmp_delvm_async (HgQmpClient *client, const char *name, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  snapshot_hmp_run (client, "delvm", name, hg_qmp_delvm_async, cancellable, callback, user_data);
}

void
hg_qmp_snapshot_free (HgQmpSnapshot *snapshot)
{
  if (snapshot == NULL)
    return;
  g_free (snapshot->id);
  g_free (snapshot->tag);
  g_free (snapshot->vm_size);
  g_free (snapshot->date);
  g_free (snapshot->vm_clock);
  g_free (snapshot);
}

HgQmpSnapshot *
hg_qmp_snapshot_find (GPtrArray  *snapshots,
                      const char *name)
{
  g_return_val_if_fail (snapshots != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < snapshots->len; i++)
    {
      HgQmpSnapshot *s = g_ptr_array_index (snapshots, i);

      if (g_strcmp0 (s->tag, name) == 0)
        return s;
    }
  return NULL;
}

char *
hg_qmp_snapshot_unique_name (const char * const *taken,
                             GDateTime          *when)
{
  g_autofree char *stem = NULL;
  char *name;

  g_return_val_if_fail (when != NULL, NULL);

  stem = g_date_time_format (when, "snap-%Y%m%d-%H%M%S");
  name = g_strdup (stem);
  for (guint n = 2; taken != NULL && g_strv_contains (taken, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%u", stem, n);
    }
  return name;
}

static gboolean
is_date (const char *s)
{
  /* YYYY-MM-DD */
  if (strlen (s) != 10)
    return FALSE;
  for (int i = 0; i < 10; i++)
    if ((i == 4 || i == 7) ? s[i] != '-' : !g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/*
 * QEMU 7.2 (block/qapi.c bdrv_snapshot_dump):
 *   List of snapshots present on all disks:
 *   ID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT
 *   --        boot              1.05 MiB 2026-11-28 07:30:00 00:00:01.234
 *   [List of partial (non-loadable) snapshots on 'drive0': …]
 * or "There is no snapshot available."; errors otherwise.
 */
GPtrArray *
hg_qmp_parse_info_snapshots (const char *text, GError **error)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_qmp_snapshot_free);
  g_auto(GStrv) lines = NULL;
  gboolean in_table = FALSE;
  gboolean seen_header = FALSE;

  g_return_val_if_fail (text != NULL, NULL);

  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));
      g_auto(GStrv) tokens = NULL;
      guint n, d;
      HgQmpSnapshot *s;

      if (*line == '\0')
        continue;
      if (g_str_has_prefix (line, "There is no snapshot available"))
        return g_steal_pointer (&list);
      if (g_str_has_prefix (line, "List of snapshots present on all disks"))
        {
          seen_header = TRUE;
          continue;
        }
      if (g_str_has_prefix (line, "List of partial"))
        break;
      if (g_str_has_prefix (line, "ID ") && strstr (line, "TAG") != NULL)
        {
          seen_header = TRUE;
          in_table = TRUE;
          continue;
        }
      if (!in_table)
        {
          if (!seen_header)
            {
              const char *msg = g_str_has_prefix (line, "Error: ") ? line + 7 : line;

              g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_HMP,
                           _("Cannot list snapshots: %s"), msg);
              return NULL;
            }
          continue;
        }

      tokens = g_strsplit_set (line, " \t", -1);
      /* drop empty tokens from runs of blanks */
      n = 0;
      for (guint j = 0; tokens[j] != NULL; j++)
        {
          if (*tokens[j] != '\0')
            tokens[n++] = tokens[j];
          else
            g_free (tokens[j]);
        }
      tokens[n] = NULL;

      for (d = 3; d < n; d++)
        if (is_date (tokens[d]))
          break;
      if (d >= n || d + 2 >= n)
        {
          g_debug ("Cannot parse snapshot line “%s”", line);
          continue;
        }

      s = g_new0 (HgQmpSnapshot, 1);
      s->id = g_strdup (tokens[0]);
      {
        g_autoptr(GString) tag = g_string_new (NULL);

        for (guint j = 1; j + 2 < d; j++)
          {
            if (tag->len)
              g_string_append_c (tag, ' ');
            g_string_append (tag, tokens[j]);
          }
        s->tag = g_string_free (g_steal_pointer (&tag), FALSE);
      }
      s->vm_size = g_strdup_printf ("%s %s", tokens[d - 2], tokens[d - 1]);
      s->date = g_strdup_printf ("%s %s", tokens[d], tokens[d + 1]);
      s->vm_clock = g_strdup (tokens[d + 2]);
      g_ptr_array_add (list, s);
    }

  if (!seen_header)
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_HMP,
                   _("Cannot understand QEMU's list of snapshots"));
      return NULL;
    }
  return g_steal_pointer (&list);
}

static void
snapshots_parse (GTask *task, const char *command, JsonNode *ret)
{
  GError *error = NULL;
  GPtrArray *list;

  if (!JSON_NODE_HOLDS_VALUE (ret) || json_node_get_value_type (ret) != G_TYPE_STRING)
    {
      g_task_return_error (task, _hg_qmp_shape_error (command));
      return;
    }
  list = hg_qmp_parse_info_snapshots (json_node_get_string (ret), &error);
  if (list == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref);
}

void
hg_qmp_query_snapshots_async (HgQmpClient *client, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(JsonNode) args = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  args = _hg_qmp_hmp_args ("info snapshots");
  _hg_qmp_value_run (client,
                     _hg_qmp_value_task_new (client, "human-monitor-command", snapshots_parse,
                             hg_qmp_query_snapshots_async, cancellable, callback, user_data),
             args, 0);
}

GPtrArray *
hg_qmp_query_snapshots_finish (HgQmpClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
