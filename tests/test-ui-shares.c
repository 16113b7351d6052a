/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gtk/gtk.h>

#include "hg-details-view.h"
#include "hg-share.h"
#include "hg-vm-config.h"

/*
 * A VM's shared folders on its details page: each with its folder, mode,
 * the transport it gets and the command that mounts it in the guest.
 */

static void
test_details (void)
{
  static const char text[] =
    "[machine]\nlabel=s\narch=x86_64\n\n"
    "[share:0]\npath=/srv/data\ntag=data\ntransport=9p\n\n"
    "[share:1]\npath=/srv/docs\ntag=docs\nreadonly=true\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(HgVmConfig) config = hg_vm_config_load_from_data (text, -1, "/vms/s/s.hangar", &error);
  GtkWidget *window = gtk_offscreen_window_new ();
  GtkWidget *details = hg_details_view_new ();
  g_autofree char *dump = NULL;
  g_autoptr(HgVmConfig) none = NULL;

  g_assert_no_error (error);
  gtk_container_add (GTK_CONTAINER (window), details);
  gtk_widget_show_all (window);
  hg_details_view_set_vm (HG_DETAILS_VIEW (details), "/vms/s/s.hangar", config, NULL);
  dump = hg_details_view_dump (HG_DETAILS_VIEW (details));
  if (strstr (dump, "shares: “data”: /srv/data (read-write, 9p)\n"
                    "In the guest: mount -t 9p -o trans=virtio,version=9p2000.L data /mnt\n"
                    "“docs”: /srv/docs (read-only, 9p)\n"
                    "In the guest: mount -t 9p -o trans=virtio,version=9p2000.L,ro docs /mnt\n") == NULL)
    g_error ("the details lack the shares: %s", dump);

  /* a VM without shares shows no section */
  none = hg_vm_config_load_from_data ("[machine]\nlabel=s\narch=x86_64\n", -1, "/vms/s/s.hangar",
                                      &error);
  g_assert_no_error (error);
  hg_details_view_set_vm (HG_DETAILS_VIEW (details), "/vms/s/s.hangar", none, NULL);
  g_free (dump);
  dump = hg_details_view_dump (HG_DETAILS_VIEW (details));
  g_assert_null (strstr (dump, "shares:"));
  gtk_widget_destroy (window);
}

int
main (int argc, char *argv[])
{
  g_setenv ("LANGUAGE", "C", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hangar/ui/shares/details", test_details);
  return g_test_run ();
}
