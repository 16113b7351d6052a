/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "hg-notifier.h"

struct _HgNotifier
{
  GObject       parent_instance;

  GApplication *app;        /* weak: the application owns us */
  GSettings    *settings;   /* nullable */
  GHashTable   *states;     /* HgVm (ref) watched -> its last state + 1 */
};

G_DEFINE_FINAL_TYPE (HgNotifier, hg_notifier, G_TYPE_OBJECT)

enum {
  SEND_NOTIFICATION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* At most this many log lines go into a crash notification. */
#define TAIL_LINES 3

static char *
last_lines (const char *text,
            guint       n)
{
  g_auto(GStrv) lines = NULL;
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  guint len;

  if (text == NULL)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  len = g_strv_length (lines);
  for (guint i = len; i > 0 && kept->len < n; i--)
    {
      g_strstrip (lines[i - 1]);
      if (lines[i - 1][0] != '\0')
        g_ptr_array_insert (kept, 0, lines[i - 1]);
    }
  if (kept->len == 0)
    return NULL;
  g_ptr_array_add (kept, NULL);
  return g_strjoinv ("\n", (char **) kept->pdata);
}

char *
hg_notifier_id_for_label (const char *label)
{
  g_return_val_if_fail (label != NULL, NULL);
  return g_strdup_printf ("vm-%s", label);
}

static gboolean
was_up (HgVmState state)
{
  return state == HG_VM_STATE_RUNNING ||
         state == HG_VM_STATE_PAUSED ||
         state == HG_VM_STATE_SHUTTING_DOWN ||
         state == HG_VM_STATE_STARTING;
}

gboolean
hg_notifier_describe (const char  *label,
                      HgVmState    old_state,
                      HgVmState    new_state,
                      const char  *reason,
                      const char  *log_tail,
                      gboolean     install_run,
                      gboolean     notify_on_stop,
                      gboolean     notify_on_crash,
                      char       **title,
                      char       **body)
{
  g_return_val_if_fail (label != NULL, FALSE);
  g_return_val_if_fail (title != NULL && body != NULL, FALSE);

  *title = *body = NULL;
  if (old_state == new_state || !was_up (old_state))
    return FALSE;

  if (new_state == HG_VM_STATE_CRASHED)
    {
      g_autofree char *tail = last_lines (log_tail, TAIL_LINES);

      if (!notify_on_crash)
        return FALSE;
      const char *why = reason != NULL && reason[0] != '\0' ? reason
                                                              : _("QEMU ended without a shutdown");

      /* Translators: %s is the VM's label */
      *title = g_strdup_printf (_("%s crashed"), label);
      if (tail != NULL)
        /* Translators: the reason (e.g. “QEMU exited unexpectedly (killed
         * by signal 9)”), then the last lines of QEMU's log */
        *body = g_strdup_printf (_("%s. Its last words:\n%s"), why, tail);
      else
        *body = g_strdup (why);
      return TRUE;
    }
  if (new_state == HG_VM_STATE_STOPPED && notify_on_stop)
    {
      if (install_run)
        {
          /* Translators: %s is the VM's label */
          *title = g_strdup_printf (_("Installation of %s finished"), label);
          *body = g_strdup (_("The VM powered off after booting its installer. "
                              "Start it from its disk to use the installed system."));
        }
      else
        {
          /* Translators: %s is the VM's label */
          *title = g_strdup_printf (_("%s stopped"), label);
          *body = g_strdup (reason != NULL && reason[0] != '\0' ? reason : _("The VM powered off."));
        }
      return TRUE;
    }
  return FALSE;
}

static gboolean
app_has_focus (HgNotifier *self)
{
  if (self->app == NULL || !GTK_IS_APPLICATION (self->app))
    return FALSE;
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self->app)); l != NULL; l = l->next)
    if (gtk_window_is_active (GTK_WINDOW (l->data)))
      return TRUE;
  return FALSE;
}

static gboolean
get_setting (HgNotifier *self,
             const char *key)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, key);
}

static void
on_vm_state (HgVm       *vm,
             GParamSpec *pspec,
             HgNotifier *self)
{
  HgVmState old_state = GPOINTER_TO_INT (g_hash_table_lookup (self->states, vm)) - 1;
  HgVmState new_state = hg_vm_get_state (vm);
  HgVmConfig *config = hg_vm_get_config (vm);
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  gboolean install_run;

  if (g_hash_table_contains (self->states, vm))
    g_hash_table_insert (self->states, g_object_ref (vm), GINT_TO_POINTER (new_state + 1));
  if ((int) old_state < 0 || self->app == NULL || app_has_focus (self))
    return;

  install_run = config != NULL &&
                (config->boot_mode == HG_BOOT_CDROM || config->boot_mode == HG_BOOT_PXE);
  if (hg_notifier_describe (hg_vm_get_label (vm), old_state, new_state,
                            hg_vm_get_state_reason (vm), hg_vm_get_log_tail (vm),
                            install_run,
                            get_setting (self, "notify-on-stop"),
                            get_setting (self, "notify-on-crash"),
                            &title, &body))
    {
      g_autoptr(GNotification) notification = g_notification_new (title);
      g_autoptr(GIcon) icon = g_themed_icon_new (APP_ID);
      g_autofree char *id = hg_notifier_id_for_label (hg_vm_get_label (vm));

      g_notification_set_body (notification, body);
      g_notification_set_icon (notification, icon);
      g_notification_set_priority (notification,
                                   new_state == HG_VM_STATE_CRASHED ? G_NOTIFICATION_PRIORITY_HIGH
                                                                    : G_NOTIFICATION_PRIORITY_NORMAL);
      gboolean handled = FALSE;

      g_signal_emit (self, signals[SEND_NOTIFICATION], 0, id, title, body, notification, &handled);
      if (!handled)
        g_application_send_notification (self->app, id, notification);
    }
}

void
hg_notifier_send (HgNotifier *self,
                  const char *id,
                  const char *title,
                  const char *body)
{
  g_autoptr(GNotification) notification = NULL;
  g_autoptr(GIcon) icon = NULL;
  gboolean handled = FALSE;

  g_return_if_fail (HG_IS_NOTIFIER (self));
  g_return_if_fail (id != NULL && title != NULL);

  notification = g_notification_new (title);
  icon = g_themed_icon_new (APP_ID);
  if (body != NULL)
    g_notification_set_body (notification, body);
  g_notification_set_icon (notification, icon);
  g_signal_emit (self, signals[SEND_NOTIFICATION], 0, id, title, body, notification, &handled);
  if (!handled && self->app != NULL)
    g_application_send_notification (self->app, id, notification);
}

void
hg_notifier_watch (HgNotifier *self,
                   HgVm       *vm)
{
  g_return_if_fail (HG_IS_NOTIFIER (self));
  g_return_if_fail (HG_IS_VM (vm));

  g_hash_table_insert (self->states, g_object_ref (vm), GINT_TO_POINTER (hg_vm_get_state (vm) + 1));
  g_signal_connect (vm, "notify::state", G_CALLBACK (on_vm_state), self);
}

void
hg_notifier_unwatch (HgNotifier *self,
                     HgVm       *vm)
{
  g_return_if_fail (HG_IS_NOTIFIER (self));
  g_return_if_fail (HG_IS_VM (vm));

  g_signal_handlers_disconnect_by_func (vm, on_vm_state, self);
  g_hash_table_remove (self->states, vm);
}

HgNotifier *
hg_notifier_new (GApplication *app,
                 GSettings    *settings)
{
  HgNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), NULL);

  self = g_object_new (HG_TYPE_NOTIFIER, NULL);
  self->app = app;
  g_object_add_weak_pointer (G_OBJECT (app), (gpointer *) &self->app);
  g_set_object (&self->settings, settings);
  return self;
}

static void
hg_notifier_dispose (GObject *object)
{
  HgNotifier *self = HG_NOTIFIER (object);

  if (self->app != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->app), (gpointer *) &self->app);
  self->app = NULL;
  g_clear_object (&self->settings);
  if (self->states != NULL)
    {
      GHashTableIter iter;
      gpointer vm;

      g_hash_table_iter_init (&iter, self->states);
      while (g_hash_table_iter_next (&iter, &vm, NULL))
        g_signal_handlers_disconnect_by_func (vm, on_vm_state, self);
      g_clear_pointer (&self->states, g_hash_table_unref);
    }

  G_OBJECT_CLASS (hg_notifier_parent_class)->dispose (object);
}

static void
hg_notifier_class_init (HgNotifierClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = hg_notifier_dispose;

  /**
   * HgNotifier::send-notification:
   * @id: the notification's id (hg_notifier_id_for_label)
   * @title: its title
   * @body: its body
   * @notification: the GNotification
   *
   * Emitted before a notification goes to the application; a handler that
   * returns %TRUE has delivered it itself (the tests, which run without a
   * notification daemon).
   */
  signals[SEND_NOTIFICATION] =
    g_signal_new ("send-notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 4, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_NOTIFICATION);
}

static void
hg_notifier_init (HgNotifier *self)
{
  self->states = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
}
