/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-library.h"
#include "hg-new-vm-assistant.h"
#include "hg-window-private.h"

/*
 * win.new-vm (Ctrl+N): opens the creation assistant on the window's
 * library; when it created a VM, the library is reloaded with the new VM
 * selected and, if the user asked for it, the VM is started in install
 * mode through vm.start, which shows its display.
 */

/* One "library-loaded" handler per created VM, on the window itself */
typedef struct {
  char       *path;
  char       *mode;       /* boot mode for vm.start, or NULL */
  gulong      handler;
} Created;

static void
created_free (gpointer data,
              GClosure *closure)
{
  Created *created = data;

  g_free (created->path);
  g_free (created->mode);
  g_free (created);
}

static void
on_library_loaded (HgWindow *window,
                   Created  *created)
{
  const char *selected = hg_vm_tree_get_selected_path (window->tree);
  g_autofree char *mode = NULL;
  gboolean ours = g_strcmp0 (selected, created->path) == 0;

  /* the file monitor saw the new folder too and reloads once more: start
   * after that one, not before it (a reload detaches and reattaches every
   * VM, and the display with it) */
  if (hg_vm_manager_is_loading (window->manager))
    {
      g_free (window->pending_select);
      window->pending_select = g_strdup (created->path);
      return;
    }
  mode = g_steal_pointer (&created->mode);

  /* frees created */
  g_signal_handler_disconnect (window, created->handler);
  /* only the VM we made, and only if it was found */
  if (mode != NULL && ours && window->current != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (window->vm_actions), "start",
                                    g_variant_new_string (mode));
}

static void
on_vm_created (HgNewVmAssistant *assistant,
               HgVmConfig       *config,
               gboolean          start_now,
               HgWindow         *window)
{
  Created *created = g_new0 (Created, 1);
  g_autofree char *message = g_strdup_printf (_("Created %s in %s"), config->label, config->dir);

  created->path = g_strdup (config->path);
  if (start_now)
    created->mode = g_strdup (hg_boot_mode_to_string (hg_new_vm_assistant_get_install_mode (assistant)));
  created->handler = g_signal_connect_data (window, "library-loaded", G_CALLBACK (on_library_loaded),
                                            created, created_free, 0);

  hg_window_show_message (window, GTK_MESSAGE_INFO, message);
  g_free (window->pending_select);
  window->pending_select = g_strdup (config->path);
  hg_window_reload (window);
}

void
hg_window_action_new_vm (GSimpleAction *action,
                         GVariant      *param,
                         gpointer       user_data)
{
  HgWindow *self = user_data;
  g_auto(GStrv) bases = hg_vm_manager_dup_bases (self->manager);
  HgHostCaps *caps = hg_vm_manager_get_host_caps (self->manager);
  HgNewVmAssistant *assistant;

  /* the window probes the host at start; if that is not done yet, the
   * assistant probes for itself (cached, quick after the first time) */
  assistant = hg_new_vm_assistant_new (GTK_WINDOW (self), (const char * const *) bases, caps);
  g_signal_connect_object (assistant, "created", G_CALLBACK (on_vm_created), self, 0);
  gtk_window_present (GTK_WINDOW (assistant));
}
