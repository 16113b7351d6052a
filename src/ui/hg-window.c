/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-cmdline.h"
#include "hg-import-dialog.h"
#include "hg-library.h"
#include "hg-settings.h"
#include "hg-window-private.h"

/* at most this long a finished load waits for the window's first frame */
#define FIRST_FRAME_WAIT_MS 250

G_DEFINE_FINAL_TYPE (HgWindow, hg_window, GTK_TYPE_APPLICATION_WINDOW)

enum {
  LIBRARY_LOADED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void     update_current (HgWindow *self);
static void     clear_scan_deferral (HgWindow *self);

HgWindow *
hg_window_new (HgApplication *app)
{
  HgWindow *self = g_object_new (HG_TYPE_WINDOW, "application", app, NULL);
  GSettings *settings = hg_application_get_settings (app);

  /* size, maximized and the VM list's width as they were (hg-settings.c) */
  if (settings != NULL)
    {
      hg_settings_bind_window (settings, GTK_WINDOW (self));
      g_settings_bind (settings, "sidebar-width", self->paned, "position", G_SETTINGS_BIND_DEFAULT);
    }
  hg_window_set_bases (self, hg_application_get_bases (app));
  return self;
}

void
hg_window_show_message (HgWindow       *self,
                        GtkMessageType  type,
                        const char     *message)
{
  g_return_if_fail (HG_IS_WINDOW (self));

  if (message == NULL)
    {
      gtk_info_bar_set_revealed (self->message_bar, FALSE);
      return;
    }
  gtk_label_set_text (self->message_label, message);
  gtk_info_bar_set_message_type (self->message_bar, type);
  gtk_info_bar_set_revealed (self->message_bar, TRUE);
}

static void
on_message_bar_response (GtkInfoBar *bar,
                         int         response,
                         HgWindow   *self)
{
  gtk_info_bar_set_revealed (bar, FALSE);
}

/* ---- the selected VM ---------------------------------------------------- */

/* The images check behind a command line, for the VM selected then */
typedef struct {
  GWeakRef    window;
  HgVm       *vm;
  HgVmConfig *config;
} CmdlineCheck;

static void
cmdline_check_free (CmdlineCheck *check)
{
  g_weak_ref_clear (&check->window);
  g_object_unref (check->vm);
  hg_vm_config_unref (check->config);
  g_free (check);
}

static void
on_cmdline_images_checked (GObject      *source,
                           GAsyncResult *result,
                           gpointer      user_data)
{
  CmdlineCheck *check = user_data;
  g_autoptr(HgWindow) self = g_weak_ref_get (&check->window);
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmImages) images = hg_vm_images_check_finish (result, &error);
  g_auto(GStrv) argv = NULL;
  g_autofree char *text = NULL;
  HgHostCaps *caps = self != NULL ? hg_vm_manager_get_host_caps (self->manager) : NULL;

  /* another VM selected since (the view cancelled the check), or the
   * window gone */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self == NULL ||
      self->current != check->vm || caps == NULL)
    {
      cmdline_check_free (check);
      return;
    }
  /* the chains as a start checks them: the real -blockdev graph, or why
   * a start would refuse */
  if (images != NULL)
    argv = hg_cmdline_build (check->config, check->config->boot_mode,
                             hg_vm_get_runtime_paths (check->vm), caps, images, &error);
  if (argv == NULL)
    hg_details_view_set_command_line (self->details, NULL, error->message);
  else
    {
      text = hg_cmdline_to_display ((const char * const *) argv);
      hg_details_view_set_command_line (self->details, text, NULL);
    }
  cmdline_check_free (check);
}

static void
update_command_line (HgWindow *self)
{
  CmdlineCheck *check;
  GCancellable *cancellable;

  if (self->current == NULL)
    return;
  if (hg_vm_manager_get_host_caps (self->manager) == NULL)
    {
      hg_details_view_set_command_line (self->details, NULL, _("probing the host…"));
      return;
    }
  /* the disks' backing chains are read (qemu-img) off the GUI thread */
  cancellable = hg_details_view_begin_command_line (self->details);
  check = g_new0 (CmdlineCheck, 1);
  g_weak_ref_init (&check->window, self);
  check->vm = g_object_ref (self->current);
  check->config = hg_vm_config_ref (hg_vm_get_config (self->current));
  hg_vm_images_check_async (check->config, cancellable, on_cmdline_images_checked, check);
}

/* Points the display and terminals at the selected VM's sockets while it
 * runs, and lets them go when it stops. */
static void
update_consoles (HgWindow *self)
{
  HgVm *vm = self->current;
  gboolean active = vm != NULL && hg_vm_is_active (vm) &&
                    hg_vm_get_state (vm) != HG_VM_STATE_STARTING;

  /* connected before the attach (--display): kept while that goes on */
  if (!active && self->early_connected && vm != NULL && hg_vm_manager_is_attaching (self->manager, vm))
    return;
  self->early_connected = FALSE;
  if (!active)
    {
      hg_vnc_view_set_auto_reconnect (self->vnc_view, FALSE);
      if (vm == NULL || !hg_vm_is_active (vm))
        {
          hg_vnc_view_disconnect (self->vnc_view);
          hg_vnc_view_set_socket_path (self->vnc_view, NULL);
        }
      /* the terminals keep their text and say the socket closed */
      return;
    }

  {
    const HgRuntimePaths *paths = hg_vm_get_runtime_paths (vm);
    gboolean vnc_new = g_strcmp0 (hg_vnc_session_get_socket_path (hg_vnc_view_get_session (self->vnc_view)),
                                  paths->vnc) != 0;

    hg_vnc_view_set_socket_path (self->vnc_view, paths->vnc);
    hg_vnc_view_set_auto_reconnect (self->vnc_view, TRUE);
    /* gtk-vnc needs a realized VncDisplay when the first framebuffer
     * comes; HgVncView realizes it with itself, and a page of the stack is
     * realized when first shown: until then the view connects later
     * (on_vnc_view_realized) */
    if (gtk_widget_get_realized (GTK_WIDGET (self->vnc_view)) &&
        (vnc_new || hg_vnc_session_get_state (hg_vnc_view_get_session (self->vnc_view)) == HG_VNC_SESSION_DISCONNECTED))
      hg_vnc_view_connect (self->vnc_view);

    if (g_strcmp0 (hg_serial_view_get_socket_path (self->serial_view), paths->serial) != 0 ||
        !hg_serial_view_get_connected (self->serial_view))
      {
        hg_serial_view_set_socket_path (self->serial_view, paths->serial);
        hg_serial_view_reconnect (self->serial_view);
      }
    if (g_strcmp0 (hg_serial_view_get_socket_path (self->monitor_view), paths->monitor) != 0 ||
        !hg_serial_view_get_connected (self->monitor_view))
      {
        hg_serial_view_set_socket_path (self->monitor_view, paths->monitor);
        hg_serial_view_reconnect (self->monitor_view);
      }
  }
}

/* --display VM: while the attach to the selected VM is under way, its
 * display is connected already if its socket is there (QEMU runs).  The
 * attach then finds it connected; if the VM turns out not to run,
 * hg_window_update_consoles() lets go of it. */
static void
connect_display_early (HgWindow *self)
{
  HgVm *vm = self->current;
  const HgRuntimePaths *paths;

  if (!self->early_display || vm == NULL || hg_vm_is_active (vm) ||
      !hg_vm_manager_is_attaching (self->manager, vm) ||
      !gtk_widget_get_realized (GTK_WIDGET (self->vnc_view)))
    return;
  paths = hg_vm_get_runtime_paths (vm);
  if (!g_file_test (paths->vnc, G_FILE_TEST_EXISTS))
    return;
  self->early_display = FALSE;
  self->early_connected = TRUE;
  g_debug ("Connecting the display of %s before the attach", hg_vm_get_label (vm));
  hg_vnc_view_set_socket_path (self->vnc_view, paths->vnc);
  hg_vnc_view_connect (self->vnc_view);
}

void
hg_window_update_consoles (HgWindow *self)
{
  update_consoles (self);
}

static void
on_vnc_view_realized (HgWindow *self)
{
  update_consoles (self);
  connect_display_early (self);
}

static void
update_current (HgWindow *self)
{
  HgVm *vm = self->current;

  hg_window_update_vm_actions (self);
  update_consoles (self);
  if (vm == NULL)
    {
      gtk_header_bar_set_subtitle (self->header_bar, NULL);
      return;
    }

  hg_window_update_runtime (self);
  hg_details_view_set_log_tail (self->details,
                                hg_vm_get_state (vm) == HG_VM_STATE_CRASHED
                                  ? hg_vm_get_log_tail (vm) : NULL);
}

/* The tree row and, for the selected VM, the details and consoles follow
 * the VM's facts */
static void
on_vm_notify (HgVmManager *manager,
              HgVm        *vm,
              GParamSpec  *pspec,
              HgWindow    *self)
{
  const char *path = hg_vm_get_config (vm)->path;

  if (g_str_equal (pspec->name, "state") || g_str_equal (pspec->name, "pid") ||
      g_str_equal (pspec->name, "log-tail") || g_str_equal (pspec->name, "responding"))
    {
      hg_vm_tree_set_vm_state (self->tree, path, hg_vm_get_state_name (vm));
      if (vm == self->current)
        update_current (self);
    }
  else if (g_str_equal (pspec->name, "accel-in-use"))
    {
      hg_vm_tree_set_vm_accel (self->tree, path, hg_vm_get_accel_in_use (vm));
      if (vm == self->current)
        hg_window_update_runtime (self);
    }
  else if (g_str_equal (pspec->name, "same-uuid-as") && vm == self->current)
    hg_details_view_set_same_identity (self->details, hg_vm_get_same_uuid_as (vm));
}

static void
on_selected_path_changed (HgWindow *self)
{
  const char *path;
  const char *error = NULL;
  HgVmConfig *config;
  HgVm *vm;

  /* a reload refills the tree: the selection comes back afterwards */
  if (self->filling)
    return;
  path = hg_vm_tree_get_selected_path (self->tree);
  config = hg_vm_tree_get_selected (self->tree, &error);
  vm = hg_vm_manager_lookup (self->manager, path);
  hg_details_view_set_vm (self->details, path, config, error);
  hg_details_view_set_same_identity (self->details,
                                     vm != NULL ? hg_vm_get_same_uuid_as (vm) : NULL);
  gtk_header_bar_set_subtitle (self->header_bar, config != NULL ? config->label : NULL);

  /* The same VM again (a reload kept it): its consoles stay connected */
  if (vm != NULL && vm == self->current)
    {
      update_command_line (self);
      update_current (self);
      return;
    }
  g_set_object (&self->current, vm);
  self->early_display = self->early_connected = FALSE;

  /* The consoles belong to one VM at a time */
  hg_serial_view_disconnect (self->serial_view);
  hg_serial_view_set_socket_path (self->serial_view, NULL);
  hg_serial_view_disconnect (self->monitor_view);
  hg_serial_view_set_socket_path (self->monitor_view, NULL);
  hg_serial_view_clear (self->serial_view);
  hg_serial_view_clear (self->monitor_view);
  hg_vnc_view_disconnect (self->vnc_view);
  hg_vnc_view_set_socket_path (self->vnc_view, NULL);

  if (self->current == NULL)
    {
      hg_window_update_runtime (self);
      hg_details_view_set_log_tail (self->details, NULL);
      hg_window_update_vm_actions (self);
      return;
    }
  update_command_line (self);
  update_current (self);
}

/* ---- library ------------------------------------------------------------ */

/* The details' "Give this copy a new identity": the core does it (refused
 * while it runs), the reload shows the VM with its new identity */
static void
on_details_reidentify (HgWindow *self)
{
  HgVm *vm = hg_vm_manager_lookup (self->manager, hg_vm_tree_get_selected_path (self->tree));
  g_autoptr(HgVmConfig) renewed = NULL;
  g_autoptr(GError) error = NULL;

  if (vm == NULL)
    return;
  renewed = hg_vm_reidentify (vm, &error);
  if (renewed == NULL)
    {
      hg_window_show_message (self, GTK_MESSAGE_ERROR, error->message);
      return;
    }
  hg_window_reload (self);
}

/* Follows vm, an item of the manager: desktop notifications when it stops
 * or crashes (hg-notifier.c) */
static void
follow_vm (HgWindow *self,
           HgVm     *vm)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  /* its properties come through the manager's "vm-notify" */
  if (HG_IS_APPLICATION (app) && hg_application_get_notifier (HG_APPLICATION (app)) != NULL)
    {
      g_set_object (&self->notifier, hg_application_get_notifier (HG_APPLICATION (app)));
      hg_notifier_watch (self->notifier, vm);
    }
}

/* Stops following vm (it left the manager, which lets go of it next: a
 * detach is no "stopped" worth telling) */
static void
unfollow_vm (HgWindow *self,
             HgVm     *vm)
{
  if (self->notifier != NULL)
    hg_notifier_unwatch (self->notifier, vm);
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  HgWindow   *self)
{
  for (guint i = 0; i < removed; i++)
    unfollow_vm (self, g_ptr_array_index (self->shown, position + i));
  g_ptr_array_remove_range (self->shown, position, removed);
  for (guint i = 0; i < added; i++)
    {
      HgVm *vm = g_list_model_get_item (model, position + i);

      g_ptr_array_insert (self->shown, position + i, vm);
      follow_vm (self, vm);
    }
}

/* The config path of the VM named by label, directory or .hangar file */
static char *
resolve_vm (GPtrArray  *entries,
            const char *name)
{
  g_autofree char *canonical = g_canonicalize_filename (name, NULL);

  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *entry = g_ptr_array_index (entries, i);
      g_autofree char *dir = g_path_get_dirname (entry->path);

      if (g_str_equal (entry->path, canonical) || g_str_equal (dir, canonical))
        return g_strdup (entry->path);
    }
  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *entry = g_ptr_array_index (entries, i);

      if (entry->config != NULL && g_strcmp0 (entry->config->label, name) == 0)
        return g_strdup (entry->path);
    }
  return NULL;
}

/* Fills the tree with what the manager's load found */
static void
show_entries (HgWindow  *self,
              GPtrArray *entries)
{
  g_autofree char *selected = NULL;
  gint64 started;

  selected = self->pending_select != NULL ? resolve_vm (entries, self->pending_select)
                                           : g_strdup (hg_vm_tree_get_selected_path (self->tree));
  if (self->pending_select != NULL && selected == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("There is no VM “%s” in the library."),
                                                  self->pending_select);
      hg_window_show_message (self, GTK_MESSAGE_WARNING, message);
    }
  g_clear_pointer (&self->pending_select, g_free);
  started = g_get_monotonic_time ();
  /* The tree is filled anew; the VMs the manager kept (running ones, with
   * their QMP, display and terminal connections) are the same HgVm */
  self->filling = TRUE;
  hg_vm_tree_clear (self->tree);
  hg_vm_tree_begin_update (self->tree);
  for (guint i = 0; i < entries->len; i++)
    {
      HgLibraryEntry *entry = g_ptr_array_index (entries, i);
      HgVm *vm = hg_vm_manager_lookup (self->manager, entry->path);

      /* a VM edited while it runs shows the config it runs with */
      hg_vm_tree_add_vm (self->tree, entry->base, entry->folder, entry->path,
                         vm != NULL ? hg_vm_get_config (vm) : entry->config,
                         entry->error != NULL ? entry->error->message : NULL);
      if (vm == NULL)
        continue;
      if (hg_vm_get_state (vm) != HG_VM_STATE_STOPPED || !hg_vm_is_responding (vm))
        hg_vm_tree_set_vm_state (self->tree, entry->path, hg_vm_get_state_name (vm));
      if (hg_vm_get_accel_in_use (vm) != NULL)
        hg_vm_tree_set_vm_accel (self->tree, entry->path, hg_vm_get_accel_in_use (vm));
    }
  hg_vm_tree_end_update (self->tree);
  g_debug ("Library of %u entries shown in %.1f ms", entries->len,
           (g_get_monotonic_time () - started) / 1000.0);

  if (selected == NULL || !hg_vm_tree_select_path (self->tree, selected))
    hg_vm_tree_select_first (self->tree);
  self->filling = FALSE;
  on_selected_path_changed (self);
  if (self->open_display && self->current != NULL)
    gtk_stack_set_visible_child_name (self->pages, "display");
  self->open_display = FALSE;
  if (entries->len == 0)
    hg_window_show_message (self, GTK_MESSAGE_INFO,
                            _("No VMs found in the library. Create one with Ctrl+N, or with “hangarctl create --label NAME”."));
  g_signal_emit (self, signals[LIBRARY_LOADED], 0);
}

static gboolean
fill_pending (gpointer user_data)
{
  HgWindow *self = user_data;
  g_autoptr(GPtrArray) entries = g_steal_pointer (&self->pending_entries);

  self->fill_id = 0;
  if (entries != NULL)
    show_entries (self, entries);
  return G_SOURCE_REMOVE;
}

/* The first frame is drawn: a load that waited for it is shown next */
static gboolean
on_first_draw (GtkWidget *widget,
               cairo_t   *cr,
               gpointer   user_data)
{
  HgWindow *self = HG_WINDOW (widget);

  self->drawn = TRUE;
  g_signal_handlers_disconnect_by_func (self, on_first_draw, user_data);
  if (self->pending_entries != NULL)
    {
      g_clear_handle_id (&self->fill_id, g_source_remove);
      self->fill_id = g_idle_add (fill_pending, self);
    }
  return GDK_EVENT_PROPAGATE;
}

static void
on_manager_loaded (HgVmManager *manager,
                   HgWindow    *self)
{
  /* the manager lets go of them after this signal */
  g_autoptr(GPtrArray) entries = g_ptr_array_ref (hg_vm_manager_get_entries (manager));

  g_clear_pointer (&self->pending_entries, g_ptr_array_unref);
  /* The window shows itself first, then the library (filling a tree of
   * 1,000 VMs takes a few tens of ms): at most FIRST_FRAME_WAIT_MS later,
   * in case no frame comes (an unmapped window) */
  if (!self->drawn && gtk_widget_get_visible (GTK_WIDGET (self)))
    {
      self->pending_entries = g_steal_pointer (&entries);
      if (self->fill_id == 0)
        self->fill_id = g_timeout_add (FIRST_FRAME_WAIT_MS, fill_pending, self);
      return;
    }
  show_entries (self, entries);
}

/* An attach ended: a display connected before it (--display) stays only
 * if the VM runs */
static void
on_attach_ended (HgVmManager *manager,
                 HgVm        *vm,
                 HgWindow    *self)
{
  if (vm == self->current && self->early_connected && !hg_vm_is_active (vm))
    {
      self->early_connected = FALSE;
      hg_window_update_consoles (self);
    }
}

void
hg_window_reload (HgWindow *self)
{
  g_return_if_fail (HG_IS_WINDOW (self));

  clear_scan_deferral (self);
  hg_vm_manager_reload (self->manager);
}

/* ---- --display VM: the display before the library ---------------------- */

typedef struct {
  GStrv  bases;   /* NULL = the default bases */
  char  *name;
} EarlyLookup;

static void
early_lookup_free (gpointer data)
{
  EarlyLookup *lookup = data;

  g_strfreev (lookup->bases);
  g_free (lookup->name);
  g_free (lookup);
}

static void
early_lookup_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  EarlyLookup *lookup = task_data;
  g_auto(GStrv) defaults = lookup->bases == NULL ? hg_library_default_bases () : NULL;
  GError *error = NULL;
  HgVmConfig *config;

  config = hg_library_lookup ((const char * const *) (lookup->bases != NULL ? lookup->bases : defaults),
                              lookup->name, &error);
  if (config == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, config, (GDestroyNotify) hg_vm_config_unref);
}

/* The scan of the library waits while the early display connects: on
 * this kind of machine (two cores, one of them the guest's) the scan
 * thread and the tree's fill would slow the VNC handshake down (and so
 * would QMP: QEMU serves it from the thread that serves VNC).  Both go on
 * once the display has settled (DISPLAY_SETTLE_MS without an update after
 * the first), when the display fails, or after EARLY_SCAN_DELAY_MS. */
#define EARLY_SCAN_DELAY_MS 1000
#define DISPLAY_SETTLE_MS   100

static void
clear_scan_deferral (HgWindow *self)
{
  HgVncSession *session = hg_vnc_view_get_session (self->vnc_view);

  self->scan_deferred = FALSE;
  g_clear_signal_handler (&self->deferred_update_id, session);
  g_clear_signal_handler (&self->deferred_state_id, session);
  g_clear_handle_id (&self->deferred_timeout_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
}

static gboolean
resume_scan (gpointer user_data)
{
  HgWindow *self = user_data;

  self->deferred_timeout_id = 0;
  if (self->scan_deferred)
    hg_window_reload (self);
  return G_SOURCE_REMOVE;
}

/* From inside gtk-vnc's signals: the attach starts (it is asynchronous),
 * the scan from an idle */
static void
resume_scan_soon (HgWindow *self)
{
  HgVncSession *session = hg_vnc_view_get_session (self->vnc_view);

  if (self->current != NULL)
    hg_vm_manager_attach_now (self->manager, self->current);

  g_clear_signal_handler (&self->deferred_update_id, session);
  g_clear_signal_handler (&self->deferred_state_id, session);
  g_clear_handle_id (&self->deferred_timeout_id, g_source_remove);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->deferred_timeout_id = g_idle_add (resume_scan, self);
}

static gboolean
on_display_settled (gpointer user_data)
{
  HgWindow *self = user_data;

  self->settle_id = 0;
  resume_scan_soon (self);
  return G_SOURCE_REMOVE;
}

/* The first update is often a blank screen, the guest's picture comes in
 * the next ones: the display has settled when DISPLAY_SETTLE_MS pass
 * without an update */
static void
on_deferred_update (HgWindow *self)
{
  g_clear_handle_id (&self->settle_id, g_source_remove);
  self->settle_id = g_timeout_add (DISPLAY_SETTLE_MS, on_display_settled, self);
}

static void
on_deferred_state (HgWindow *self)
{
  if (hg_vnc_session_get_state (hg_vnc_view_get_session (self->vnc_view)) == HG_VNC_SESSION_DISCONNECTED)
    resume_scan_soon (self);
}

static void
defer_scan (HgWindow *self)
{
  HgVncSession *session = hg_vnc_view_get_session (self->vnc_view);

  if (!hg_vm_manager_is_loading (self->manager) || self->scan_deferred)
    return;
  /* the scan just started: it stops at once */
  hg_vm_manager_cancel_reload (self->manager);
  self->scan_deferred = TRUE;
  self->deferred_update_id = g_signal_connect_swapped (session, "framebuffer-update",
                                                       G_CALLBACK (on_deferred_update), self);
  self->deferred_state_id = g_signal_connect_swapped (session, "notify::state",
                                                      G_CALLBACK (on_deferred_state), self);
  self->deferred_timeout_id = g_timeout_add (EARLY_SCAN_DELAY_MS, resume_scan, self);
}

/* Shows config's VM at once, before the library is loaded */
static void
show_early (HgWindow   *self,
            HgVmConfig *config)
{
  HgVm *vm;
  gboolean early;

  /* too late (the tree is there), or something else was asked for since */
  if (!(hg_vm_manager_is_loading (self->manager) || self->scan_deferred) ||
      self->current != NULL || hg_vm_manager_lookup (self->manager, config->path) != NULL)
    return;

  /* The VM the tree selects once filled: the load keeps it, with its
   * connections */
  g_debug ("Early display of %s", config->path);
  /* Running (its display socket is there): the display connects now; QMP
   * (and with it the terminals) and the library come after its first
   * framebuffer -- QEMU serves VNC and QMP from one thread, and this
   * machine has two cores, one of them the guest's */
  vm = hg_vm_manager_add (self->manager, config, EARLY_SCAN_DELAY_MS);
  early = g_file_test (hg_vm_get_runtime_paths (vm)->vnc, G_FILE_TEST_EXISTS);
  if (!early)
    hg_vm_manager_attach_now (self->manager, vm);
  g_set_object (&self->current, vm);
  hg_details_view_set_vm (self->details, config->path, config, NULL);
  gtk_header_bar_set_subtitle (self->header_bar, config->label);
  gtk_stack_set_visible_child_name (self->pages, "display");
  update_current (self);
  if (early && hg_vm_manager_is_attaching (self->manager, vm))
    {
      self->early_display = TRUE;
      connect_display_early (self);
      defer_scan (self);
    }
}

static void
on_early_lookup (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(HgWindow) self = user_data;
  EarlyLookup *lookup = g_task_get_task_data (G_TASK (result));
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;

  config = g_task_propagate_pointer (G_TASK (result), &error);
  /* not found, ambiguous ...: the library load says so */
  if (config == NULL)
    {
      g_debug ("No early display for %s: %s", lookup->name, error->message);
      return;
    }
  if (g_strcmp0 (self->pending_select, lookup->name) == 0)
    show_early (self, config);
}

/* The usual case, without a walk through the library: a VM right in a
 * base, named by its label.  The scan decides in the end (resolve_vm): if
 * it picks another VM of that name, the display follows. */
static HgVmConfig *
lookup_direct (HgWindow   *self,
               const char *name)
{
  g_auto(GStrv) bases = hg_vm_manager_dup_bases (self->manager);

  if (!hg_label_is_valid (name, NULL))
    return NULL;
  for (guint i = 0; bases != NULL && bases[i] != NULL; i++)
    {
      g_autofree char *file = g_strconcat (name, HG_CONFIG_SUFFIX, NULL);
      g_autofree char *path = g_build_filename (bases[i], name, file, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return hg_vm_config_load (path, NULL);
    }
  return NULL;
}

void
hg_window_select_vm (HgWindow   *self,
                     const char *vm,
                     gboolean    show_display)
{
  g_return_if_fail (HG_IS_WINDOW (self));
  g_return_if_fail (vm != NULL);

  g_free (self->pending_select);
  self->pending_select = g_strdup (vm);
  self->open_display = show_display;
  /* a load under way picks it up; else load again */
  if (!hg_vm_manager_is_loading (self->manager) && !self->scan_deferred)
    hg_window_reload (self);
  /* The display need not wait for the whole library: the one VM is looked
   * up (cheap: only its config is loaded) and shown at once */
  if (show_display && self->current == NULL)
    {
      g_autoptr(HgVmConfig) config = lookup_direct (self, vm);
      g_autoptr(GTask) task = NULL;
      EarlyLookup *lookup;

      if (config != NULL)
        {
          show_early (self, config);
          return;
        }
      g_debug ("Looking up %s for its display", vm);
      task = g_task_new (NULL, self->cancellable, on_early_lookup, g_object_ref (self));
      lookup = g_new0 (EarlyLookup, 1);
      lookup->bases = hg_vm_manager_dup_bases (self->manager);
      lookup->name = g_strdup (vm);
      g_task_set_source_tag (task, hg_window_select_vm);
      g_task_set_task_data (task, lookup, early_lookup_free);
      g_task_run_in_thread (task, early_lookup_thread);
    }
}

void
hg_window_set_bases (HgWindow           *self,
                     const char * const *bases)
{
  g_return_if_fail (HG_IS_WINDOW (self));

  hg_vm_manager_set_bases (self->manager, bases);
  hg_window_reload (self);
}

/* The host probe (the manager's, after its first load) landed */
static void
on_host_caps (HgWindow *self)
{
  update_command_line (self);
}

/* ---- win. actions ------------------------------------------------------- */

static void
action_reload (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  hg_window_reload (HG_WINDOW (user_data));
}

static void
action_find (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  hg_vm_tree_focus_filter (HG_WINDOW (user_data)->tree);
}

static void
action_page (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;
  const char *name = g_variant_get_string (param, NULL);

  if (gtk_stack_get_child_by_name (self->pages, name) != NULL)
    gtk_stack_set_visible_child_name (self->pages, name);
}

static void
on_mapped_grab_focus (GtkWidget *widget)
{
  g_signal_handlers_disconnect_by_func (widget, on_mapped_grab_focus, NULL);
  gtk_widget_grab_focus (widget);
}

/* A page's widget gets the keyboard once it is on screen: key events for
 * an unmapped focus widget are refused by GTK. */
static void
focus_when_mapped (GtkWidget *widget)
{
  if (gtk_widget_get_mapped (widget))
    gtk_widget_grab_focus (widget);
  else
    {
      g_signal_handlers_disconnect_by_func (widget, on_mapped_grab_focus, NULL);
      g_signal_connect (widget, "map", G_CALLBACK (on_mapped_grab_focus), NULL);
    }
}

static void
on_page_changed (HgWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "page");
  const char *name = gtk_stack_get_visible_child_name (self->pages);

  if (action != NULL && name != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (name));
  if (g_strcmp0 (name, "networks") == 0)
    {
      /* made on first sight: it reads switches and host devices */
      if (self->network_view == NULL)
        {
          self->network_view = HG_NETWORK_VIEW (hg_network_view_new (NULL, hg_vm_manager_get_host_caps (self->manager)));
          gtk_widget_set_vexpand (GTK_WIDGET (self->network_view), TRUE);
          gtk_widget_show (GTK_WIDGET (self->network_view));
          gtk_container_add (GTK_CONTAINER (self->network_box), GTK_WIDGET (self->network_view));
        }
      else
        hg_network_view_refresh (self->network_view);
    }
  if (g_strcmp0 (name, "details") == 0 || g_strcmp0 (name, "networks") == 0)
    {
      /* keep the keyboard out of the page's selectable labels (GTK would
       * select the VM's name) unless it is already somewhere visible */
      GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (self));

      if (focus == NULL || !gtk_widget_get_mapped (focus) ||
          gtk_widget_is_ancestor (focus, GTK_WIDGET (self->pages)))
        hg_vm_tree_focus_list (self->tree);
    }
  else if (g_strcmp0 (name, "display") == 0)
    focus_when_mapped (GTK_WIDGET (hg_vnc_view_get_display (self->vnc_view)));
  else if (g_strcmp0 (name, "serial") == 0)
    focus_when_mapped (GTK_WIDGET (hg_serial_view_get_terminal (self->serial_view)));
  else if (g_strcmp0 (name, "monitor") == 0)
    focus_when_mapped (GTK_WIDGET (hg_serial_view_get_terminal (self->monitor_view)));
}

static void
action_fullscreen (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  HgWindow *self = user_data;
  gboolean fullscreen = g_variant_get_boolean (value);

  g_simple_action_set_state (action, value);
  /* Fullscreen shows the display alone */
  gtk_widget_set_visible (gtk_paned_get_child1 (self->paned), !fullscreen);
  if (fullscreen)
    {
      gtk_stack_set_visible_child_name (self->pages, "display");
      gtk_window_fullscreen (GTK_WINDOW (self));
    }
  else
    gtk_window_unfullscreen (GTK_WINDOW (self));
}

/* The shortcuts window, built when first asked for: GtkApplication would
 * build it with every window (some 40 rows of widgets at startup) */
static void
action_show_help_overlay (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  HgWindow *self = user_data;

  if (self->help_overlay == NULL)
    {
      g_autoptr(GtkBuilder) builder =
        gtk_builder_new_from_resource ("/io/github/hangarvm/Hangar/help-overlay.ui");

      self->help_overlay = GTK_WINDOW (gtk_builder_get_object (builder, "help_overlay"));
      g_object_ref_sink (self->help_overlay);
      gtk_window_set_transient_for (self->help_overlay, GTK_WINDOW (self));
      gtk_window_set_modal (self->help_overlay, TRUE);
      gtk_window_set_destroy_with_parent (self->help_overlay, TRUE);
      /* closed: hidden, shown again next time */
      g_signal_connect (self->help_overlay, "delete-event", G_CALLBACK (gtk_widget_hide_on_delete), NULL);
    }
  gtk_window_present (self->help_overlay);
}

static const GActionEntry win_actions[] = {
  { "show-help-overlay", action_show_help_overlay },
  { "reload", action_reload },
  { "find", action_find },
  { "page", action_page, "s", "'details'" },
  { "fullscreen", NULL, NULL, "false", action_fullscreen },
  { "new-vm", hg_window_action_new_vm },
  { "import", hg_window_action_import },
};

/* ---- closing ------------------------------------------------------------ */

guint
hg_window_count_running (HgWindow *self)
{
  g_return_val_if_fail (HG_IS_WINDOW (self), 0);

  return hg_vm_manager_count_running (self->manager);
}

/* Closing never stops a VM; a notification says how many go on running */
static gboolean
hg_window_delete_event (GtkWidget   *widget,
                        GdkEventAny *event)
{
  HgWindow *self = HG_WINDOW (widget);
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  guint n = hg_window_count_running (self);

  if (n > 0 && HG_IS_APPLICATION (app) && hg_application_get_notifier (HG_APPLICATION (app)) != NULL)
    {
      g_autofree char *body = NULL;

      body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                           "%u VM goes on running without the window; "
                                           "open Hangar again or use hangarctl to control it.",
                                           "%u VMs go on running without the window; "
                                           "open Hangar again or use hangarctl to control them.", n),
                              n);
      hg_notifier_send (hg_application_get_notifier (HG_APPLICATION (app)), "vms-running",
                        g_dngettext (GETTEXT_PACKAGE, "A VM keeps running", "VMs keep running", n),
                        body);
    }
  if (GTK_WIDGET_CLASS (hg_window_parent_class)->delete_event != NULL)
    return GTK_WIDGET_CLASS (hg_window_parent_class)->delete_event (widget, event);
  return GDK_EVENT_PROPAGATE;
}

/* ---- GObject ------------------------------------------------------------ */

static void
hg_window_dispose (GObject *object)
{
  HgWindow *self = HG_WINDOW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->fill_id, g_source_remove);
  g_clear_pointer (&self->pending_entries, g_ptr_array_unref);
  if (self->vnc_view != NULL)
    clear_scan_deferral (self);
  hg_window_clear_runtime (self);
  g_clear_object (&self->current);
  /* the VMs go on running: the manager lets go of them */
  if (self->manager != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->manager, self);
      for (guint i = 0; i < self->shown->len; i++)
        unfollow_vm (self, g_ptr_array_index (self->shown, i));
      g_ptr_array_set_size (self->shown, 0);
      g_clear_object (&self->manager);
    }
  if (self->help_overlay != NULL)
    gtk_widget_destroy (GTK_WIDGET (self->help_overlay));
  g_clear_object (&self->help_overlay);
  g_clear_object (&self->vm_actions);
  g_clear_object (&self->notifier);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hg_window_parent_class)->dispose (object);
}

static void
hg_window_finalize (GObject *object)
{
  HgWindow *self = HG_WINDOW (object);

  g_clear_pointer (&self->shown, g_ptr_array_unref);
  g_clear_pointer (&self->pending_select, g_free);

  G_OBJECT_CLASS (hg_window_parent_class)->finalize (object);
}

static void
hg_window_class_init (HgWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hg_window_dispose;
  object_class->finalize = hg_window_finalize;
  widget_class->delete_event = hg_window_delete_event;

  /* Emitted after every (re)load of the library has filled the tree */
  signals[LIBRARY_LOADED] =
    g_signal_new ("library-loaded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (HG_TYPE_VM_TREE);
  g_type_ensure (HG_TYPE_DETAILS_VIEW);
  g_type_ensure (HG_TYPE_VNC_VIEW);
  g_type_ensure (HG_TYPE_SERIAL_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/hangarvm/Hangar/hg-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HgWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, paned);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, tree);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, message_bar);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, message_label);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, pages);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, details);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, vnc_view);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, serial_view);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, monitor_view);
  gtk_widget_class_bind_template_child (widget_class, HgWindow, network_box);
  gtk_widget_class_bind_template_callback (widget_class, on_selected_path_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_message_bar_response);
  gtk_widget_class_bind_template_callback (widget_class, on_page_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_details_reidentify);
}

static void
hg_window_init (HgWindow *self)
{
  g_debug ("Making the window");
  self->cancellable = g_cancellable_new ();
  /* the engine: the window is a view of its model */
  self->manager = hg_vm_manager_new (NULL);
  self->shown = g_ptr_array_new_with_free_func (g_object_unref);
  g_signal_connect (self->manager, "items-changed", G_CALLBACK (on_items_changed), self);
  g_signal_connect (self->manager, "loaded", G_CALLBACK (on_manager_loaded), self);
  g_signal_connect (self->manager, "attach-ended", G_CALLBACK (on_attach_ended), self);
  g_signal_connect (self->manager, "vm-notify", G_CALLBACK (on_vm_notify), self);
  g_signal_connect_swapped (self->manager, "notify::host-caps", G_CALLBACK (on_host_caps), self);

  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions,
                                   G_N_ELEMENTS (win_actions), self);
  hg_window_init_vm_actions (self);
  hg_window_update_vm_actions (self);
  g_signal_connect_object (self->vnc_view, "realize", G_CALLBACK (on_vnc_view_realized), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_after (self, "draw", G_CALLBACK (on_first_draw), NULL);
  /* the list has the keyboard (the filter is Ctrl+F away) */
  hg_vm_tree_focus_list (self->tree);
}
