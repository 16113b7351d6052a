/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

/* The window's network view, under Xvfb: a real switch with a
 * real plug shows with its port; a killed switch comes back; a host access
 * request without pkexec says so in the info bar. */

#include <signal.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "hg-network-view.h"
#include "hg-switch.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main loop until the view's dump contains needle. */
static gboolean
wait_dump (HgNetworkView *view,
           const char    *needle,
           guint          timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &expired);
  gboolean found = FALSE;

  while (!expired)
    {
      g_autofree char *dump = hg_network_view_dump (view);
      if (strstr (dump, needle) != NULL)
        {
          found = TRUE;
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (id);
  if (!found)
    {
      g_autofree char *dump = hg_network_view_dump (view);
      g_test_message ("view: %s", dump);
    }
  return found;
}

static gboolean
wait_error (HgNetworkView *view,
            guint          timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, on_deadline, &expired);

  while (!expired && hg_network_view_get_error (view) == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return hg_network_view_get_error (view) != NULL;
}

static void
find_button (GtkWidget *widget,
             gpointer   data)
{
  GtkWidget **found = data;

  if (*found != NULL)
    return;
  if (GTK_IS_BUTTON (widget) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Create host access") == 0)
    *found = widget;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), find_button, data);
}

static void
test_network_view (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("hgnv-XXXXXX", &error);
  g_autofree char *vde_plug = g_find_program_in_path ("vde_plug");
  g_autofree char *vde_switch = g_find_program_in_path ("vde_switch");
  g_autoptr(HgSwitch) sw = NULL;
  g_autoptr(GSubprocess) plug = NULL;
  g_autoptr(HgHostCaps) caps = hg_host_caps_new_fixed (FALSE);
  g_autofree char *running = NULL;
  GtkWidget *window;
  GtkWidget *view;
  GtkWidget *create = NULL;
  GPid pid, pid2 = 0;

  g_assert_no_error (error);
  if (vde_plug == NULL || vde_switch == NULL)
    {
      hg_test_skip_or_fail ("vde_switch or vde_plug is not installed (vde2, vdeplug)");
      return;
    }
  sw = hg_switch_new (root, "uinet");
  hg_test_switch_start (sw, &error);
  g_assert_no_error (error);
  pid = hg_switch_find_running (sw);
  /* a plug on a port: stdin kept open by us */
  plug = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                           vde_plug, hg_switch_get_data_path (sw), NULL);
  g_assert_no_error (error);

  g_clear_pointer (&caps->pkexec, g_free);
  view = hg_network_view_new (root, caps);
  window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gtk_container_add (GTK_CONTAINER (window), view);
  gtk_widget_show_all (window);

  running = g_strdup_printf ("uinet||running (pid %d)", (int) pid);
  g_assert_true (wait_dump (HG_NETWORK_VIEW (view), running, 10000));
  g_assert_true (wait_dump (HG_NETWORK_VIEW (view), "uinet|port 1|vde_plug (pid", 10000));

  /* killed: shown down, restarted by the view's watch, shown running again */
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (wait_dump (HG_NETWORK_VIEW (view), "uinet||link down", 15000) ||
                 hg_switch_find_running (sw) != 0);
  {
    gboolean expired = FALSE;
    guint id = g_timeout_add (15000, on_deadline, &expired);
    while (!expired && ((pid2 = hg_switch_find_running (sw)) == 0 || pid2 == pid))
      g_main_context_iteration (NULL, TRUE);
    if (!expired)
      g_source_remove (id);
  }
  g_assert_cmpint (pid2, >, 0);
  g_assert_cmpint (pid2, !=, pid);
  g_free (running);
  running = g_strdup_printf ("uinet||running (pid %d)", (int) pid2);
  g_assert_true (wait_dump (HG_NETWORK_VIEW (view), running, 10000));

  /* host access without pkexec: a plain error in the info bar */
  gtk_container_forall (GTK_CONTAINER (view), find_button, &create);
  g_assert_nonnull (create);
  gtk_button_clicked (GTK_BUTTON (create));
  g_assert_true (wait_error (HG_NETWORK_VIEW (view), 10000));
  g_assert_nonnull (strstr (hg_network_view_get_error (HG_NETWORK_VIEW (view)), "pkexec is not installed"));

  gtk_widget_destroy (window);
  g_subprocess_force_exit (plug);
  g_subprocess_wait (plug, NULL, NULL);
  hg_switch_stop_sync (sw, &error);
  g_assert_no_error (error);
  {
    /* the runtime dir: switches/uinet/{lock,switch.log} */
    g_autofree char *dir = g_build_filename (root, "switches", "uinet", NULL);
    g_autofree char *lock = g_build_filename (dir, "lock", NULL);
    g_autofree char *log = g_build_filename (dir, "switch.log", NULL);
    g_autofree char *switches = g_build_filename (root, "switches", NULL);
    g_unlink (lock);
    g_unlink (log);
    g_rmdir (dir);
    g_rmdir (switches);
    g_rmdir (root);
  }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hangar/ui/network-view", test_network_view);
  return g_test_run ();
}
