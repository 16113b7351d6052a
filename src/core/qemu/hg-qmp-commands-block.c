/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-qmp"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "hg-qmp-commands-private.h"

/* ---- block devices ----------------------------------------------------- */

void
hg_qmp_block_info_free (HgQmpBlockInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->device);
  g_free (info->qdev);
  g_free (info->file);
  g_free (info->format);
  g_free (info->backing_file);
  g_free (info->node_name);
  g_free (info);
}

static void
block_parse (GTask *task, const char *command, JsonNode *ret)
{
  g_autoptr(GPtrArray) list = NULL;
  JsonArray *array;

  if (!JSON_NODE_HOLDS_ARRAY (ret))
    {
      g_task_return_error (task, _hg_qmp_shape_error (command));
      return;
    }
  array = json_node_get_array (ret);
  list = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_qmp_block_info_free);

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *el = json_array_get_element (array, i);
      JsonObject *o;
      HgQmpBlockInfo *info;

      if (!JSON_NODE_HOLDS_OBJECT (el))
        continue;
      o = json_node_get_object (el);
      info = g_new0 (HgQmpBlockInfo, 1);
      info->device = g_strdup (json_object_get_string_member_with_default (o, "device", ""));
      info->qdev = g_strdup (json_object_get_string_member_with_default (o, "qdev", NULL));
      info->removable = json_object_get_boolean_member_with_default (o, "removable", FALSE);
      info->locked = json_object_get_boolean_member_with_default (o, "locked", FALSE);
      info->tray_open = json_object_get_boolean_member_with_default (o, "tray_open", FALSE);
      if (json_object_has_member (o, "inserted") &&
          JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "inserted")))
        {
          JsonObject *ins = json_object_get_object_member (o, "inserted");

          info->has_media = TRUE;
          info->file = g_strdup (json_object_get_string_member_with_default (ins, "file", NULL));
          info->format = g_strdup (json_object_get_string_member_with_default (ins, "drv", NULL));
          info->read_only = json_object_get_boolean_member_with_default (ins, "ro", FALSE);
          info->backing_file = g_strdup (json_object_get_string_member_with_default (ins, "backing_file",
                                                                                     NULL));
          info->node_name = g_strdup (json_object_get_string_member_with_default (ins, "node-name", NULL));
          info->backing_depth = (guint) CLAMP (json_object_get_int_member_with_default (ins, "backing_file_depth",
                                                                                         0), 0, 64);
        }
      g_ptr_array_add (list, info);
    }

  g_task_return_pointer (task, g_steal_pointer (&list), (GDestroyNotify) g_ptr_array_unref);
}

void
hg_qmp_query_block_async (HgQmpClient *client, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (HG_IS_QMP_CLIENT (client));
  _hg_qmp_value_run (client,
                     _hg_qmp_value_task_new (client, "query-block", block_parse,
                                             hg_qmp_query_block_async,
                             cancellable, callback, user_data),
             NULL, 0);
}

GPtrArray *
hg_qmp_query_block_finish (HgQmpClient *client, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonNode *
drive_args (const char *device, const char *id, gboolean force, GError **error)
{
  JsonNode *args;

  if ((device == NULL) == (id == NULL) ||
      (device != NULL && *device == '\0') || (id != NULL && *id == '\0'))
    {
      g_set_error (error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("Name the drive either by its device name or by its id"));
      return NULL;
    }
  args = _hg_qmp_args_new ();
  if (device != NULL)
    json_object_set_string_member (_hg_qmp_args_obj (args), "device", device);
  else
    json_object_set_string_member (_hg_qmp_args_obj (args), "id", id);
  if (force)
    json_object_set_boolean_member (_hg_qmp_args_obj (args), "force", TRUE);
  return args;
}

void
hg_qmp_eject_async (HgQmpClient *client, const char *device, const char *id,
                    gboolean force, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) args = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  args = drive_args (device, id, force, &error);
  if (args == NULL)
    {
      g_task_report_error (client, callback, user_data, hg_qmp_eject_async,
                           g_steal_pointer (&error));
      return;
    }
  _hg_qmp_simple_run (client, "eject", args, FALSE, hg_qmp_eject_async, cancellable, callback,
                      user_data);
}

void
hg_qmp_change_medium_async (HgQmpClient *client, const char *device, const char *id,
                            const char *filename, const char *format, gboolean force,
                            GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) args = NULL;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  args = drive_args (device, id, force, &error);
  if (args != NULL && (filename == NULL || *filename == '\0'))
    {
      g_set_error (&error, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                   _("No image file given for the new medium"));
      g_clear_pointer (&args, json_node_unref);
    }
  if (args == NULL)
    {
      g_task_report_error (client, callback, user_data, hg_qmp_change_medium_async,
                           g_steal_pointer (&error));
      return;
    }
  json_object_set_string_member (_hg_qmp_args_obj (args), "filename", filename);
  if (format != NULL)
    json_object_set_string_member (_hg_qmp_args_obj (args), "format", format);
  _hg_qmp_simple_run (client, "blockdev-change-medium", args, FALSE, hg_qmp_change_medium_async,
                      cancellable, callback, user_data);
}

/* ---- a new medium as explicit nodes ------------------------------------ */

typedef struct {
  GPtrArray *commands;   /* char*: command names */
  GPtrArray *arguments;  /* JsonNode*: their arguments */
  guint      next;
  gboolean   best_effort; /* errors are skipped */
  guint      open_tray;   /* index of blockdev-open-tray, or G_MAXUINT */
  guint      reopened;    /* times the tray was opened again */
} ReplaceData;

/* The guest may close an open tray at any time (Linux closes it when
 * something opens the drive, e.g. its probe after a reset): then removing
 * or inserting the medium fails with "Tray of device ... is not open".
 * The tray is opened again, a few times. */
#define REPLACE_REOPENS 5

static void
replace_data_free (ReplaceData *d)
{
  g_ptr_array_unref (d->commands);
  g_ptr_array_unref (d->arguments);
  g_free (d);
}

static void
replace_add (ReplaceData *d,
             const char  *command,
             JsonNode    *arguments)   /* transfer full */
{
  g_ptr_array_add (d->commands, g_strdup (command));
  g_ptr_array_add (d->arguments, arguments);
}

static JsonNode *
id_args (const char *id)
{
  JsonNode *args = _hg_qmp_args_new ();

  json_object_set_string_member (_hg_qmp_args_obj (args), "id", id);
  return args;
}

static void replace_step (GTask *task);

static void
replace_step_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonNode) ret = NULL;
  GError *error = NULL;

  ret = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (ret == NULL && ((ReplaceData *) g_task_get_task_data (task))->best_effort &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_debug ("skipped: %s", error->message);
      g_clear_error (&error);
    }
  else if (ret == NULL)
    {
      ReplaceData *d = g_task_get_task_data (task);
      const char *failed = d->commands->pdata[d->next - 1];

      if (d->open_tray != G_MAXUINT && d->reopened < REPLACE_REOPENS &&
          (g_str_equal (failed, "blockdev-remove-medium") ||
           g_str_equal (failed, "blockdev-insert-medium")) &&
          g_error_matches (error, HG_QMP_ERROR, HG_QMP_ERROR_GENERIC))
        {
          g_debug ("%s: %s; opening the tray again", failed, error->message);
          g_clear_error (&error);
          d->reopened++;
          d->next = d->open_tray;
          replace_step (g_steal_pointer (&task));
          return;
        }
      g_prefix_error (&error, "%s: ", (const char *) d->commands->pdata[d->next - 1]);
      g_task_return_error (task, error);
      return;
    }
  replace_step (g_steal_pointer (&task));
}

static void
replace_step (GTask *task)   /* transfer full */
{
  ReplaceData *d = g_task_get_task_data (task);
  guint i = d->next++;

  if (i >= d->commands->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  hg_qmp_client_execute_async (g_task_get_source_object (task), d->commands->pdata[i],
                               d->arguments->pdata[i], g_task_get_cancellable (task),
                               replace_step_done, task);
}

void
hg_qmp_replace_medium_async (HgQmpClient *client, const char *id, GPtrArray *nodes,
                             const char *node_name, gboolean force, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  ReplaceData *d;
  JsonNode *args;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_qmp_replace_medium_async);
  if (id == NULL || *id == '\0' || nodes == NULL || nodes->len == 0 ||
      node_name == NULL || *node_name == '\0')
    {
      g_task_return_new_error (task, HG_QMP_ERROR, HG_QMP_ERROR_INVALID_ARGUMENT,
                               _("Name the drive by its id and give the new medium's nodes"));
      g_object_unref (task);
      return;
    }
  d = g_new0 (ReplaceData, 1);
  d->commands = g_ptr_array_new_with_free_func (g_free);
  d->arguments = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_task_set_task_data (task, d, (GDestroyNotify) replace_data_free);

  for (guint i = 0; i < nodes->len; i++)
    replace_add (d, "blockdev-add", json_node_copy (g_ptr_array_index (nodes, i)));
  args = id_args (id);
  if (force)
    json_object_set_boolean_member (_hg_qmp_args_obj (args), "force", TRUE);
  d->open_tray = d->commands->len;
  replace_add (d, "blockdev-open-tray", args);
  replace_add (d, "blockdev-remove-medium", id_args (id));
  args = id_args (id);
  json_object_set_string_member (_hg_qmp_args_obj (args), "node-name", node_name);
  replace_add (d, "blockdev-insert-medium", args);
  replace_add (d, "blockdev-close-tray", id_args (id));
  replace_step (task);
}

void
hg_qmp_blockdev_del_nodes_async (HgQmpClient *client, const char * const *names,
                                 GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task;
  ReplaceData *d;

  g_return_if_fail (HG_IS_QMP_CLIENT (client));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_qmp_blockdev_del_nodes_async);
  d = g_new0 (ReplaceData, 1);
  d->commands = g_ptr_array_new_with_free_func (g_free);
  d->arguments = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  d->best_effort = TRUE;
  d->open_tray = G_MAXUINT;
  g_task_set_task_data (task, d, (GDestroyNotify) replace_data_free);
  for (guint i = 0; names != NULL && names[i] != NULL; i++)
    {
      JsonNode *args = _hg_qmp_args_new ();

      json_object_set_string_member (_hg_qmp_args_obj (args), "node-name", names[i]);
      replace_add (d, "blockdev-del", args);
    }
  replace_step (task);
}
