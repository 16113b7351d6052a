/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "hg-vm-private.h"
#include "hg-vm-type.h"

/*
 * "Paste as keystrokes": a text typed into the guest through QMP
 * input-send-event.  One command per character (its modifiers down, the
 * key down and up, the modifiers up), then a pause of
 * HG_VM_TYPE_INTERVAL_MS so that the guest's keyboard queue empties before
 * the next one.
 */

/* set on the HgVm while a text is typed into it: two at once would mix */
#define TYPING_KEY "hg-vm-typing"

typedef struct {
  HgVm   *vm;        /* while it types (TYPING_KEY set) */
  GArray *strokes;   /* HgKeyStroke */
  guint   next;
} TypeData;

static void
type_data_free (TypeData *d)
{
  if (d->vm != NULL)
    g_object_set_data (G_OBJECT (d->vm), TYPING_KEY, NULL);
  g_clear_pointer (&d->strokes, g_array_unref);
  g_free (d);
}

/* Completes the task (error NULL: done); the VM may take the next text */
static void
typing_return (GTask  *task,
               GError *error)
{
  TypeData *d = g_task_get_task_data (task);

  if (d->vm != NULL)
    g_object_set_data (G_OBJECT (d->vm), TYPING_KEY, NULL);
  d->vm = NULL;
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
add_key (JsonArray  *events,
         const char *qcode,
         gboolean    down)
{
  JsonObject *event = json_object_new ();
  JsonObject *data = json_object_new ();
  JsonObject *key = json_object_new ();

  json_object_set_string_member (key, "type", "qcode");
  json_object_set_string_member (key, "data", qcode);
  json_object_set_boolean_member (data, "down", down);
  json_object_set_object_member (data, "key", key);
  json_object_set_string_member (event, "type", "key");
  json_object_set_object_member (event, "data", data);
  json_array_add_object_element (events, event);
}

static JsonNode *
stroke_args (const HgKeyStroke *stroke)
{
  JsonObject *args = json_object_new ();
  JsonArray *events = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  if (stroke->mods & HG_KEY_MOD_ALTGR)
    add_key (events, "alt_r", TRUE);
  if (stroke->mods & HG_KEY_MOD_SHIFT)
    add_key (events, "shift", TRUE);
  add_key (events, stroke->qcode, TRUE);
  add_key (events, stroke->qcode, FALSE);
  if (stroke->mods & HG_KEY_MOD_SHIFT)
    add_key (events, "shift", FALSE);
  if (stroke->mods & HG_KEY_MOD_ALTGR)
    add_key (events, "alt_r", FALSE);
  json_object_set_array_member (args, "events", events);
  json_node_take_object (node, args);
  return node;
}

static void type_next (GTask *task);

static gboolean
on_interval (gpointer user_data)
{
  type_next (g_object_ref (G_TASK (user_data)));
  return G_SOURCE_REMOVE;
}

static void
on_sent (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TypeData *d = g_task_get_task_data (task);
  g_autoptr(JsonNode) reply = NULL;
  g_autoptr(GSource) pause = NULL;
  GError *error = NULL;

  reply = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (reply == NULL)
    {
      typing_return (task, error);
      return;
    }
  if (++d->next == d->strokes->len)
    {
      typing_return (task, NULL);
      return;
    }
  pause = g_timeout_source_new (HG_VM_TYPE_INTERVAL_MS);
  g_task_attach_source (task, pause, on_interval);
}

/* takes over task */
static void
type_next (GTask *task)
{
  TypeData *d = g_task_get_task_data (task);
  g_autoptr(JsonNode) args = NULL;
  GError *error = NULL;
  HgQmpClient *qmp;

  if (g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error))
    {
      typing_return (task, error);
      goto done;
    }
  qmp = _hg_vm_require_qmp (g_task_get_source_object (task), &error);
  if (qmp == NULL)
    {
      typing_return (task, error);
      goto done;
    }
  args = stroke_args (&g_array_index (d->strokes, HgKeyStroke, d->next));
  hg_qmp_client_execute_async (qmp, "input-send-event", args, g_task_get_cancellable (task),
                               on_sent, task);
  return;

done:
  g_object_unref (task);
}

gboolean
hg_vm_is_typing (HgVm *self)
{
  g_return_val_if_fail (HG_IS_VM (self), FALSE);
  return g_object_get_data (G_OBJECT (self), TYPING_KEY) != NULL;
}

void
hg_vm_type_text_async (HgVm                *self,
                       const char          *text,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  TypeData *d;
  GError *error = NULL;

  g_return_if_fail (HG_IS_VM (self));
  g_return_if_fail (text != NULL);

  task = _hg_vm_action_task (self, hg_vm_type_text_async, cancellable, callback, user_data);
  if (g_utf8_validate (text, -1, NULL) && g_utf8_strlen (text, -1) > HG_VM_TYPE_MAX_CHARS)
    {
      g_task_return_new_error (task, HG_KEYMAP_ERROR, HG_KEYMAP_ERROR_UNMAPPED,
                               _("The text to type is longer than %d characters"),
                               HG_VM_TYPE_MAX_CHARS);
      return;
    }
  d = g_new0 (TypeData, 1);
  g_task_set_task_data (task, d, (GDestroyNotify) type_data_free);
  d->strokes = hg_keymap_text_to_strokes (self->config->keymap, text, &error);
  if (d->strokes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (d->strokes->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (_hg_vm_require_qmp (self, &error) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (hg_vm_is_typing (self))
    {
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_BUSY,
                               _("VM '%s' is still typing the text before: wait until it is "
                                 "done"), self->config->label);
      return;
    }
  if (hg_vm_get_state (self) == HG_VM_STATE_PAUSED)
    {
      /* its keyboard would fill up and drop keys */
      g_task_return_new_error (task, HG_PROCESS_ERROR, HG_PROCESS_ERROR_NOT_RUNNING,
                               _("VM '%s' is paused: resume it to type into it"),
                               self->config->label);
      return;
    }
  d->vm = self;   /* the task holds a reference on it */
  g_object_set_data (G_OBJECT (self), TYPING_KEY, GINT_TO_POINTER (TRUE));
  type_next (g_steal_pointer (&task));
}
