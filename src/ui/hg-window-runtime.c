/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-ui"
#include "config.h"

#include <glib/gi18n.h>

#include "hg-throwaway.h"
#include "hg-window-private.h"

/*
 * The runtime line of the details: pid, uptime, the accelerator QEMU
 * really uses, the runtime directory, why it is in its state.  The facts
 * are the VM's (HgVm "uptime", "accel-in-use", kept by its HgVmManager);
 * only the minutes of uptime need a timer here.
 */

/* The uptime in the details is refreshed this often (minutes are shown) */
#define UPTIME_REFRESH_S   30

static char *
format_uptime (gint64 seconds)
{
  if (seconds < 60)
    return g_strdup (_("up less than a minute"));
  if (seconds < 3600)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "up %d minute", "up %d minutes",
                                         (gulong) (seconds / 60)),
                            (int) (seconds / 60));
  return g_strdup_printf (_("up %d h %02d min"), (int) (seconds / 3600), (int) (seconds % 3600 / 60));
}

char *
hg_window_describe_runtime (HgVm *vm)
{
  GPid pid = hg_vm_get_pid (vm);
  const char *reason = hg_vm_get_state_reason (vm);
  const char *accel = hg_vm_get_accel_in_use (vm);
  g_autoptr(GString) out = g_string_new (NULL);

  if (pid > 0)
    {
      gint64 up = hg_vm_get_uptime (vm);

      g_string_append_printf (out, _("pid %d"), (int) pid);
      if (up >= 0)
        {
          g_autofree char *text = format_uptime (up);
          g_string_append_printf (out, " · %s", text);
        }
      if (accel != NULL)
        g_string_append_printf (out, " · %s", accel);
    }
  if (hg_vm_is_active (vm))
    g_string_append_printf (out, "%s%s", out->len > 0 ? " · " : "",
                            hg_vm_get_runtime_paths (vm)->dir);
  /* started without saving changes (hg-throwaway.h) */
  if (hg_vm_is_active (vm) && hg_throwaway_is_active (hg_vm_get_runtime_paths (vm)))
    g_string_append_printf (out, "%s%s", out->len > 0 ? " · " : "",
                            _("Changes will be discarded"));
  if (reason != NULL)
    g_string_append_printf (out, "%s%s", out->len > 0 ? " · " : "", reason);
  return out->len > 0 ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

static gboolean
uptime_tick (gpointer data)
{
  HgWindow *self = data;

  if (self->current != NULL && hg_vm_get_pid (self->current) > 0)
    hg_window_update_runtime (self);
  return G_SOURCE_CONTINUE;
}

void
hg_window_update_runtime (HgWindow *self)
{
  HgVm *vm = self->current;
  g_autofree char *runtime = NULL;

  if (vm == NULL)
    {
      hg_details_view_set_runtime (self->details, NULL, NULL);
      g_clear_handle_id (&self->uptime_id, g_source_remove);
      return;
    }
  runtime = hg_window_describe_runtime (vm);
  hg_details_view_set_runtime (self->details, hg_vm_get_state_name (vm), runtime);
  /* minutes of uptime: a slow timer only while a selected VM runs */
  if (hg_vm_get_pid (vm) > 0 && self->uptime_id == 0)
    self->uptime_id = g_timeout_add_seconds (UPTIME_REFRESH_S, uptime_tick, self);
  else if (hg_vm_get_pid (vm) <= 0)
    g_clear_handle_id (&self->uptime_id, g_source_remove);
}

void
hg_window_clear_runtime (HgWindow *self)
{
  g_clear_handle_id (&self->uptime_id, g_source_remove);
}
