/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-vm"
#include "config.h"

#include <stdarg.h>

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "hg-switch.h"
#include "hg-vm-private.h"

/*
 * A running VM's VDE NICs follow their switches.  QEMU's vde backend keeps a
 * dead plug when its switch dies, so the command line puts a hub between
 * each VDE NIC and its plug (hg-cmdline.c: NIC on hubport net<i>, backend
 * vde<i> on hubport plug<i>, hub <i>).  While Hangar watches the VM (not for
 * one-shot clients, hg_vm_set_control_client), it watches each switch the
 * VM uses (HgSwitch supervision restarts a killed one):
 *   link-down -> set_link net<i> off  (the guest sees its link go down)
 *   link-up   -> netdev_del plug<i>, vde<i>; netdev_add vde<i> on the new
 *                switch, hubport plug<i>; set_link net<i> on
 */

/* ---- a queue of QMP commands run one after another -------------------- */

typedef struct {
  char     *command;
  JsonNode *arguments;      /* may be NULL */
  gboolean  may_fail;       /* e.g. netdev_del of what is already gone */
} Step;

static void
step_free (Step *step)
{
  g_free (step->command);
  g_clear_pointer (&step->arguments, json_node_unref);
  g_free (step);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Step, step_free)

static void
add_step (GQueue     *queue,
          const char *command,
          gboolean    may_fail,
          const char *first_member,
          ...)
{
  Step *step = g_new0 (Step, 1);
  va_list ap;

  step->command = g_strdup (command);
  step->may_fail = may_fail;
  if (first_member != NULL)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      const char *member = first_member;

      json_builder_begin_object (b);
      va_start (ap, first_member);
      while (member != NULL)
        {
          int type = va_arg (ap, int);   /* 's' string, 'i' int, 'b' boolean */

          json_builder_set_member_name (b, member);
          if (type == 's')
            json_builder_add_string_value (b, va_arg (ap, const char *));
          else if (type == 'i')
            json_builder_add_int_value (b, va_arg (ap, int));
          else
            json_builder_add_boolean_value (b, va_arg (ap, int));
          member = va_arg (ap, const char *);
        }
      va_end (ap);
      json_builder_end_object (b);
      step->arguments = json_builder_get_root (b);
    }
  g_queue_push_tail (queue, step);
}

static void
queue_free (GQueue *queue)
{
  g_queue_free_full (queue, (GDestroyNotify) step_free);
}

static void run_next (GTask *task);

static void
on_step_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GQueue *queue = g_task_get_task_data (task);
  g_autoptr(Step) step = g_queue_pop_head (queue);
  g_autoptr(JsonNode) node = NULL;
  GError *error = NULL;

  node = hg_qmp_client_execute_finish (HG_QMP_CLIENT (source), result, &error);
  if (node == NULL && error != NULL)
    {
      if (!step->may_fail)
        {
          g_prefix_error (&error, "%s: ", step->command);
          g_task_return_error (task, error);
          return;
        }
      g_debug ("%s: %s (ignored)", step->command, error->message);
      g_clear_error (&error);
    }
  run_next (g_steal_pointer (&task));
}

static void
run_next (GTask *task)
{
  HgVm *self = g_task_get_source_object (task);
  GQueue *queue = g_task_get_task_data (task);
  Step *step = g_queue_peek_head (queue);
  GError *error = NULL;
  HgQmpClient *qmp;

  if (step == NULL)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  qmp = _hg_vm_require_qmp (self, &error);
  if (qmp == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  hg_qmp_client_execute_async (qmp, step->command, step->arguments,
                               g_task_get_cancellable (task), on_step_done, task);
}

/* the VDE NICs of the config on switch_name, through the hub (no vdeq) */
static GArray *
nics_on_switch (HgVm       *self,
                const char *switch_name)
{
  GArray *indexes = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint i = 0; i < self->config->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (self->config->nics, i);
      const char *sw = nic->switch_name != NULL && *nic->switch_name ? nic->switch_name
                                                                    : "default";

      if (nic->mode == HG_NET_VDE && !nic->vdeq && g_str_equal (sw, switch_name))
        g_array_append_val (indexes, i);
    }
  return indexes;
}

static void
run_steps (HgVm               *self,
           gpointer            source_tag,
           GQueue             *queue,
           GCancellable       *cancellable,
           GAsyncReadyCallback callback,
           gpointer            user_data)
{
  GTask *task = _hg_vm_action_task (self, source_tag, cancellable, callback, user_data);

  g_task_set_task_data (task, queue, (GDestroyNotify) queue_free);
  run_next (task);
}

void
hg_vm_set_switch_link_async (HgVm               *self,
                             const char         *switch_name,
                             gboolean            up,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GArray) nics = NULL;
  GQueue *queue = g_queue_new ();

  g_return_if_fail (HG_IS_VM (self));
  g_return_if_fail (switch_name != NULL);

  nics = nics_on_switch (self, switch_name);
  for (guint k = 0; k < nics->len; k++)
    {
      g_autofree char *port = g_strdup_printf ("net%u", g_array_index (nics, guint, k));
      add_step (queue, "set_link", FALSE, "name", 's', port, "up", 'b', up, NULL);
    }
  run_steps (self, hg_vm_set_switch_link_async, queue, cancellable, callback, user_data);
}

void
hg_vm_replug_switch_async (HgVm               *self,
                           const char         *switch_name,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GArray) nics = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *sock = NULL;
  GQueue *queue = g_queue_new ();

  g_return_if_fail (HG_IS_VM (self));
  g_return_if_fail (switch_name != NULL);

  dir = hg_runtime_switch_dir (hg_vm_get_runtime_paths (self)->root, switch_name);
  sock = g_build_filename (dir, "data", NULL);
  nics = nics_on_switch (self, switch_name);
  for (guint k = 0; k < nics->len; k++)
    {
      guint i = g_array_index (nics, guint, k);
      g_autofree char *plug = g_strdup_printf ("plug%u", i);
      g_autofree char *vde = g_strdup_printf ("vde%u", i);
      g_autofree char *port = g_strdup_printf ("net%u", i);

      add_step (queue, "netdev_del", TRUE, "id", 's', plug, NULL);
      add_step (queue, "netdev_del", TRUE, "id", 's', vde, NULL);
      add_step (queue, "netdev_add", FALSE, "type", 's', "vde", "id", 's', vde,
                "sock", 's', sock, NULL);
      add_step (queue, "netdev_add", FALSE, "type", 's', "hubport", "id", 's', plug,
                "hubid", 'i', (int) i, "netdev", 's', vde, NULL);
      add_step (queue, "set_link", FALSE, "name", 's', port, "up", 'b', TRUE, NULL);
    }
  run_steps (self, hg_vm_replug_switch_async, queue, cancellable, callback, user_data);
}

/* ---- supervision -------------------------------------------------------- */

static void
on_link_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = user_data;

  if (!hg_vm_action_finish (HG_VM (source), result, &error))
    g_message ("VM '%s', switch '%s': %s", hg_vm_get_label (HG_VM (source)), name,
               error->message);
  else
    g_debug ("VM '%s': NICs on switch '%s' updated", hg_vm_get_label (HG_VM (source)), name);
}

static void
on_switch_down (HgSwitch *sw,
                HgVm     *self)
{
  if (hg_vm_get_qmp_client (self) == NULL)
    return;
  hg_vm_set_switch_link_async (self, hg_switch_get_name (sw), FALSE, NULL, on_link_done,
                               g_strdup (hg_switch_get_name (sw)));
}

static void
on_switch_up (HgSwitch *sw,
              HgVm     *self)
{
  if (hg_vm_get_qmp_client (self) == NULL)
    return;
  hg_vm_replug_switch_async (self, hg_switch_get_name (sw), NULL, on_link_done,
                             g_strdup (hg_switch_get_name (sw)));
}

void
_hg_vm_watch_switches (HgVm *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  _hg_vm_unwatch_switches (self);
  if (self->control_client)
    return;
  for (guint i = 0; i < self->config->nics->len; i++)
    {
      HgNic *nic = g_ptr_array_index (self->config->nics, i);
      const char *name = nic->switch_name != NULL && *nic->switch_name ? nic->switch_name
                                                                      : "default";
      HgSwitch *sw;

      if (nic->mode != HG_NET_VDE || nic->vdeq || !g_hash_table_add (seen, (char *) name))
        continue;
      if (self->switches == NULL)
        self->switches = g_ptr_array_new_with_free_func (g_object_unref);
      sw = hg_switch_new (hg_vm_get_runtime_paths (self)->root, name);
      g_signal_connect_object (sw, "link-down", G_CALLBACK (on_switch_down), self, 0);
      g_signal_connect_object (sw, "link-up", G_CALLBACK (on_switch_up), self, 0);
      hg_switch_watch (sw);
      g_ptr_array_add (self->switches, sw);
    }
}

void
_hg_vm_unwatch_switches (HgVm *self)
{
  if (self->switches == NULL)
    return;
  for (guint i = 0; i < self->switches->len; i++)
    g_signal_handlers_disconnect_by_data (g_ptr_array_index (self->switches, i), self);
  g_clear_pointer (&self->switches, g_ptr_array_unref);
}
