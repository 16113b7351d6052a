/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-clone-dialog.h"
#include "hg-delete-dialog.h"
#include "hg-library.h"
#include "hg-media-dialog.h"
#include "hg-move-dialog.h"
#include "hg-properties-dialog.h"
#include "hg-snapshots-dialog.h"
#include "hg-vm-type.h"
#include "hg-window-private.h"

/*
 * The vm.* actions of the window: they act on the selected VM through HgVm
 * (the same engine as hangarctl) and are enabled by its state.  Failures
 * show in the window's info bar; "force off" asks first (unless the
 * confirm-force-off setting is off).  The dialogs (snapshots, media,
 * properties, clone, delete, move) are hg-*-dialog.c; what they change on
 * disk is followed by a reload of the library.
 */

/* Time the guest gets to power off before the shutdown is forced */
#define SHUTDOWN_TIMEOUT_MS HG_VM_DEFAULT_SHUTDOWN_TIMEOUT_MS

typedef struct {
  HgWindow *window;
  char     *what;       /* "Starting demo", for the error message */
  char     *done;       /* message shown on success, or NULL */
} ActionData;

static ActionData *
action_data_new (HgWindow   *window,
                 const char *what,
                 const char *done)
{
  ActionData *data = g_new0 (ActionData, 1);

  data->window = g_object_ref (window);
  data->what = g_strdup (what);
  data->done = g_strdup (done);
  return data;
}

static void
action_data_free (ActionData *data)
{
  g_object_unref (data->window);
  g_free (data->what);
  g_free (data->done);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ActionData, action_data_free)

static void
report (ActionData   *data,
        const GError *error)
{
  if (error != NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = g_strdup_printf ("%s: %s", data->what, error->message);
      hg_window_show_message (data->window, GTK_MESSAGE_ERROR, message);
    }
  else if (data->done != NULL)
    hg_window_show_message (data->window, GTK_MESSAGE_INFO, data->done);
  else
    hg_window_show_message (data->window, GTK_MESSAGE_OTHER, NULL);
  hg_window_update_vm_actions (data->window);
}

static void
on_action_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GError) error = NULL;

  hg_vm_action_finish (HG_VM (source), result, &error);
  report (data, error);
}

static HgVm *
current_vm (HgWindow *self)
{
  return self->current;
}

/* The confirm-* settings (TRUE without a schema: ask) */
static gboolean
confirm_setting (HgWindow   *self,
                 const char *key)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GSettings *settings = HG_IS_APPLICATION (app) ? hg_application_get_settings (HG_APPLICATION (app)) : NULL;

  return settings == NULL || g_settings_get_boolean (settings, key);
}

/* ---- start -------------------------------------------------------------- */

static void
on_started (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GError) error = NULL;

  hg_vm_start_finish (HG_VM (source), result, &error);
  report (data, error);
}

static void
action_start (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  const char *mode_name = g_variant_get_string (param, NULL);
  HgVmStartFlags flags = HG_VM_START_NONE;
  HgBootMode mode;
  g_autofree char *what = NULL;

  if (vm == NULL)
    return;
  /* "throwaway": the default boot, every write to a temporary overlay */
  if (g_strcmp0 (mode_name, "throwaway") == 0)
    {
      flags = HG_VM_START_THROWAWAY;
      mode = hg_vm_get_config (vm)->boot_mode;
    }
  else if (g_strcmp0 (mode_name, "default") == 0)
    mode = hg_vm_get_config (vm)->boot_mode;
  else if (!hg_boot_mode_from_string (mode_name, &mode))
    {
      g_autofree char *message = g_strdup_printf (_("Unknown boot mode “%s”"), mode_name);
      hg_window_show_message (self, GTK_MESSAGE_ERROR, message);
      return;
    }
  what = g_strdup_printf (_("Starting %s from %s"), hg_vm_get_label (vm),
                          hg_boot_mode_to_string (mode));
  hg_window_show_message (self, GTK_MESSAGE_OTHER, NULL);
  hg_vm_start_async (vm, mode, flags, self->cancellable, on_started,
                     action_data_new (self, what, NULL));
  /* what the user wants to see of a starting VM */
  if (hg_vm_get_config (vm)->console == HG_CONSOLE_SERIAL)
    gtk_stack_set_visible_child_name (self->pages, "serial");
  else
    gtk_stack_set_visible_child_name (self->pages, "display");
}

/* ---- pause (stateful) --------------------------------------------------- */

static void
action_pause (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  g_autofree char *what = NULL;

  if (vm == NULL)
    return;
  if (g_variant_get_boolean (value))
    {
      what = g_strdup_printf (_("Pausing %s"), hg_vm_get_label (vm));
      hg_vm_pause_async (vm, self->cancellable, on_action_done, action_data_new (self, what, NULL));
    }
  else
    {
      what = g_strdup_printf (_("Resuming %s"), hg_vm_get_label (vm));
      hg_vm_resume_async (vm, self->cancellable, on_action_done, action_data_new (self, what, NULL));
    }
  /* the state follows the VM's STOP/RESUME events, not the click */
}

/* ---- shutdown / force off / reset ------------------------------------- */

static void
on_shut_down (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GError) error = NULL;
  gboolean forced = FALSE;

  if (hg_vm_shutdown_finish (HG_VM (source), result, &forced, &error) && forced)
    {
      g_autofree char *message = g_strdup_printf (_("%s did not power off in time and was forced off."),
                                                  hg_vm_get_label (HG_VM (source)));
      g_free (data->done);
      data->done = g_steal_pointer (&message);
    }
  report (data, error);
}

static void
action_shutdown (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  g_autofree char *what = NULL;

  if (vm == NULL)
    return;
  what = g_strdup_printf (_("Shutting down %s"), hg_vm_get_label (vm));
  hg_vm_shutdown_async (vm, SHUTDOWN_TIMEOUT_MS, self->cancellable, on_shut_down,
                        action_data_new (self, what, NULL));
}

static void
unref_closure_data (gpointer  data,
                    GClosure *closure)
{
  g_object_unref (data);
}

static void
on_force_off_response (GtkDialog *dialog,
                       int        response,
                       HgVm      *vm)
{
  HgWindow *self = HG_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));

  if (response == GTK_RESPONSE_ACCEPT && vm != NULL && hg_vm_is_active (vm))
    {
      g_autofree char *what = g_strdup_printf (_("Forcing %s off"), hg_vm_get_label (vm));
      hg_vm_kill_async (vm, self->cancellable, on_action_done, action_data_new (self, what, NULL));
    }
  gtk_widget_destroy (GTK_WIDGET (dialog));
}

static void
action_force_off (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  GtkWidget *dialog;

  if (vm == NULL)
    return;
  if (!confirm_setting (self, "confirm-force-off"))
    {
      g_autofree char *what = g_strdup_printf (_("Forcing %s off"), hg_vm_get_label (vm));
      hg_vm_kill_async (vm, self->cancellable, on_action_done, action_data_new (self, what, NULL));
      return;
    }
  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_WARNING, GTK_BUTTONS_NONE,
                                   _("Force %s off?"), hg_vm_get_label (vm));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            _("This is like pulling the power plug: "
                                              "whatever the guest has not written to its disks is lost."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog),
                          _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Force Off"), GTK_RESPONSE_ACCEPT,
                          NULL);
  gtk_style_context_add_class (gtk_widget_get_style_context (
                                 gtk_dialog_get_widget_for_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT)),
                               "destructive-action");
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_force_off_response),
                         g_object_ref (vm), unref_closure_data, 0);
  gtk_widget_show (dialog);
}

static void
action_reset (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  g_autofree char *what = NULL;

  if (vm == NULL)
    return;
  what = g_strdup_printf (_("Resetting %s"), hg_vm_get_label (vm));
  hg_vm_reset_async (vm, self->cancellable, on_action_done, action_data_new (self, what, NULL));
}

/* ---- screenshot / keys -------------------------------------------------- */

static void
save_screenshot (HgWindow   *self,
                 HgVm       *vm,
                 const char *path)
{
  g_autofree char *what = g_strdup_printf (_("Screenshot of %s"), hg_vm_get_label (vm));
  g_autofree char *done = g_strdup_printf (_("Screenshot saved as %s"), path);

  hg_vm_screenshot_async (vm, path, self->cancellable, on_action_done,
                          action_data_new (self, what, done));
}

static void
on_screenshot_chooser_response (GtkNativeDialog *chooser,
                                int              response,
                                HgVm            *vm)
{
  GtkWindow *parent = gtk_native_dialog_get_transient_for (chooser);
  HgWindow *self = HG_IS_WINDOW (parent) ? HG_WINDOW (parent) : NULL;

  if (response == GTK_RESPONSE_ACCEPT && self != NULL)
    {
      g_autofree char *path = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (chooser));

      if (path != NULL)
        save_screenshot (self, vm, path);
    }
  g_object_unref (chooser);
}

static void
action_screenshot (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *name = NULL;
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;

  if (vm == NULL)
    return;
  name = g_strdup_printf ("%s-%s.png", hg_vm_get_label (vm), stamp);
  chooser = gtk_file_chooser_native_new (_("Save a Screenshot"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_file_chooser_set_do_overwrite_confirmation (GTK_FILE_CHOOSER (chooser), TRUE);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser),
                                       pictures != NULL ? pictures : g_get_home_dir ());
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("PNG images"));
  gtk_file_filter_add_mime_type (filter, "image/png");
  gtk_file_filter_add_pattern (filter, "*.png");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_data (chooser, "response", G_CALLBACK (on_screenshot_chooser_response),
                         g_object_ref (vm), unref_closure_data, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
action_send_keys (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  const char *combo = g_variant_get_string (param, NULL);
  g_autofree char *what = NULL;

  if (vm == NULL)
    return;
  what = g_strdup_printf (_("Sending %s to %s"), combo, hg_vm_get_label (vm));
  hg_vm_send_keys_async (vm, combo, self->cancellable, on_action_done,
                         action_data_new (self, what, NULL));
}

/* "Paste as keystrokes": the host clipboard's text typed into the guest
 * (hg-vm-type.h), for guests without an agent */
static void
on_clipboard_text (GtkClipboard *clipboard,
                   const char   *text,
                   gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  HgVm *vm = current_vm (data->window);
  GCancellable *cancellable;

  if (vm == NULL)
    return;
  if (text == NULL || text[0] == '\0')
    {
      hg_window_show_message (data->window, GTK_MESSAGE_INFO,
                              _("The clipboard holds no text to type."));
      return;
    }
  cancellable = data->window->cancellable;
  hg_vm_type_text_async (vm, text, cancellable, on_action_done, g_steal_pointer (&data));
}

static void
action_paste_keystrokes (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  g_autofree char *what = NULL;

  if (vm == NULL)
    return;
  what = g_strdup_printf (_("Typing the clipboard into %s"), hg_vm_get_label (vm));
  gtk_clipboard_request_text (gtk_widget_get_clipboard (GTK_WIDGET (self), GDK_SELECTION_CLIPBOARD),
                              on_clipboard_text, action_data_new (self, what, NULL));
}

/* ---- dialogs -------------------------------------------------------------- */

static GStrv
library_bases (HgWindow *self)
{
  return hg_vm_manager_dup_bases (self->manager);
}

static GStrv
library_labels (HgWindow *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < self->shown->len; i++)
    g_strv_builder_add (builder, hg_vm_get_label (g_ptr_array_index (self->shown, i)));
  return g_strv_builder_end (builder);
}

/* A dialog changed the library: show it, and select path (NULL: keep) */
static void
on_library_edited (GtkWidget  *dialog,
                   const char *path,
                   HgWindow   *self)
{
  if (path != NULL)
    {
      g_free (self->pending_select);
      self->pending_select = g_strdup (path);
    }
  hg_window_reload (self);
}

static void
on_vm_deleted (GtkWidget  *dialog,
               const char *path,
               HgWindow   *self)
{
  g_autofree char *message = g_strdup_printf (_("%s was moved to the trash."), path);

  hg_window_reload (self);
  hg_window_show_message (self, GTK_MESSAGE_INFO, message);
}

static void
present (HgWindow  *self,
         GtkWidget *dialog)
{
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
action_snapshots (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;

  if (current_vm (self) != NULL)
    present (self, GTK_WIDGET (hg_snapshots_dialog_new (GTK_WINDOW (self), current_vm (self))));
}

static void
action_media (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;

  if (current_vm (self) != NULL)
    present (self, GTK_WIDGET (hg_media_dialog_new (GTK_WINDOW (self), current_vm (self))));
}

static void
action_properties (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgPropertiesDialog *dialog;

  if (current_vm (self) == NULL)
    return;
  dialog = hg_properties_dialog_new (GTK_WINDOW (self), current_vm (self));
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_library_edited), self, 0);
  present (self, GTK_WIDGET (dialog));
}

static void
action_clone (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  g_auto(GStrv) bases = NULL;
  g_auto(GStrv) labels = NULL;
  HgCloneDialog *dialog;

  if (current_vm (self) == NULL)
    return;
  bases = library_bases (self);
  labels = library_labels (self);
  dialog = hg_clone_dialog_new (GTK_WINDOW (self), current_vm (self),
                                (const char * const *) bases, (const char * const *) labels);
  g_signal_connect_object (dialog, "cloned", G_CALLBACK (on_library_edited), self, 0);
  present (self, GTK_WIDGET (dialog));
}

static void
on_trashed_unasked (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ActionData) data = user_data;
  g_autoptr(GError) error = NULL;

  hg_delete_trash_finish (result, &error);
  report (data, error);
  if (error == NULL)
    hg_window_reload (data->window);
}

static void
action_delete (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  HgVm *vm = current_vm (self);
  HgDeleteDialog *dialog;

  if (vm == NULL)
    return;
  /* Disks are never deleted without a confirmation naming them: the
   * setting only skips the question for a VM without disks. */
  if (!hg_vm_is_active (vm) && hg_vm_get_config (vm)->disks->len == 0 &&
      !confirm_setting (self, "confirm-delete"))
    {
      g_autofree char *what = g_strdup_printf (_("Deleting %s"), hg_vm_get_label (vm));
      g_autofree char *done = g_strdup_printf (_("%s was moved to the trash."), hg_vm_get_config (vm)->dir);

      hg_delete_trash_async (hg_vm_get_config (vm), self->cancellable, on_trashed_unasked,
                             action_data_new (self, what, done));
      return;
    }
  dialog = hg_delete_dialog_new (GTK_WINDOW (self), vm);
  g_signal_connect_object (dialog, "deleted", G_CALLBACK (on_vm_deleted), self, 0);
  present (self, GTK_WIDGET (dialog));
}

static void
action_move (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  g_auto(GStrv) bases = NULL;
  HgMoveDialog *dialog;

  if (current_vm (self) == NULL)
    return;
  bases = library_bases (self);
  dialog = hg_move_dialog_new (GTK_WINDOW (self), current_vm (self), (const char * const *) bases);
  g_signal_connect_object (dialog, "moved", G_CALLBACK (on_library_edited), self, 0);
  present (self, GTK_WIDGET (dialog));
}

static const GActionEntry vm_actions[] = {
  { "start", action_start, "s" },
  { "pause", NULL, NULL, "false", action_pause },
  { "shutdown", action_shutdown },
  { "force-off", action_force_off },
  { "reset", action_reset },
  { "screenshot", action_screenshot },
  { "send-keys", action_send_keys, "s" },
  { "paste-keystrokes", action_paste_keystrokes },
  { "snapshots", action_snapshots },
  { "media", action_media },
  { "properties", action_properties },
  { "clone", action_clone },
  { "delete", action_delete },
  { "move", action_move },
};

void
hg_window_init_vm_actions (HgWindow *self)
{
  self->vm_actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->vm_actions), vm_actions,
                                   G_N_ELEMENTS (vm_actions), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "vm", G_ACTION_GROUP (self->vm_actions));
}

static void
set_enabled (HgWindow   *self,
             const char *name,
             gboolean    enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->vm_actions), name);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

void
hg_window_update_vm_actions (HgWindow *self)
{
  HgVm *vm = self->current;
  HgVmState state = vm != NULL ? hg_vm_get_state (vm) : HG_VM_STATE_STOPPED;
  gboolean up = vm != NULL && (state == HG_VM_STATE_RUNNING || state == HG_VM_STATE_PAUSED);
  GAction *pause;

  set_enabled (self, "start", vm != NULL &&
               (state == HG_VM_STATE_STOPPED || state == HG_VM_STATE_CRASHED));
  set_enabled (self, "pause", up);
  set_enabled (self, "shutdown", vm != NULL && state == HG_VM_STATE_RUNNING);
  set_enabled (self, "force-off", vm != NULL && hg_vm_is_active (vm) && state != HG_VM_STATE_STARTING);
  set_enabled (self, "reset", up);
  set_enabled (self, "screenshot", up);
  set_enabled (self, "send-keys", state == HG_VM_STATE_RUNNING && vm != NULL);
  set_enabled (self, "paste-keystrokes", state == HG_VM_STATE_RUNNING && vm != NULL);
  set_enabled (self, "snapshots", vm != NULL);
  set_enabled (self, "media", vm != NULL);
  set_enabled (self, "properties", vm != NULL);
  /* these change files: only for a VM that is down */
  set_enabled (self, "clone", vm != NULL && !hg_vm_is_active (vm));
  set_enabled (self, "delete", vm != NULL && !hg_vm_is_active (vm));
  set_enabled (self, "move", vm != NULL && !hg_vm_is_active (vm));

  /* the detached display's window is named after the VM */
  hg_vnc_view_set_title (self->vnc_view, vm != NULL ? hg_vm_get_label (vm) : NULL);

  pause = g_action_map_lookup_action (G_ACTION_MAP (self->vm_actions), "pause");
  g_simple_action_set_state (G_SIMPLE_ACTION (pause),
                             g_variant_new_boolean (state == HG_VM_STATE_PAUSED));
}
