/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtk/gtk.h>

#include "hg-application.h"
#include "hg-forward-row.h"
#include "hg-forwards-editor.h"
#include "hg-proc-net.h"
#include "hg-properties-dialog.h"
#include "hg-settings.h"
#include "hg-test-skip.h"
#include "hg-test-ui.h"
#include "hg-vm-type.h"

/*
 * The window's side of port forwards and "Paste as keystrokes", with the
 * demo guest running: the forwards editor in Properties changes the
 * running VM's forwards (bad input refused beside the fields, nothing
 * changed), the details page lists them with "Copy Address", and the
 * display's "Paste as keystrokes" types the clipboard into the guest's
 * console.
 */

#define DEADLINE_MS 60000
#define BOOT_TIMEOUT_MS 120000

static guint loads;

static void
on_library_loaded (HgWindow *window)
{
  loads++;
}

static gboolean
loads_above (gpointer data)
{
  return loads > GPOINTER_TO_UINT (data);
}

static gboolean
window_attached (gpointer data)
{
  HgWindow *window = data;

  return window->current != NULL && hg_vm_get_qmp_client (window->current) != NULL &&
         hg_vm_get_state (window->current) == HG_VM_STATE_RUNNING;
}

static gboolean
editor_idle (gpointer data)
{
  return !hg_forwards_editor_is_busy (data);
}

typedef struct {
  HgWindow   *window;
  const char *needle;
} DetailsWait;

static gboolean
details_show (gpointer data)
{
  DetailsWait *w = data;
  g_autofree char *dump = hg_details_view_dump (w->window->details);

  return strstr (dump, w->needle) != NULL;
}

static gpointer
find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type))
      return l->data;
  return NULL;
}

static void
activate (HgWindow   *window,
          const char *name)
{
  GActionGroup *group = gtk_widget_get_action_group (GTK_WIDGET (window), "vm");

  g_assert_true (g_action_group_get_action_enabled (group, name));
  g_action_group_activate_action (group, name, NULL);
  hg_test_ui_flush ();
}

/* The widget under root whose action is action_name, or NULL */
static GtkWidget *
find_actionable (GtkWidget  *root,
                 const char *action_name)
{
  g_autoptr(GList) children = NULL;

  if (GTK_IS_ACTIONABLE (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action_name) == 0)
    return root;
  if (!GTK_IS_CONTAINER (root))
    return NULL;
  children = gtk_container_get_children (GTK_CONTAINER (root));
  for (GList *l = children; l != NULL; l = l->next)
    {
      GtkWidget *found = find_actionable (l->data, action_name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
scrolled_to_end (gpointer data)
{
  GtkAdjustment *adjustment = data;

  return gtk_adjustment_get_value (adjustment) > 0 &&
         gtk_adjustment_get_value (adjustment) ==
           gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment);
}

static gboolean
typing_done (gpointer data)
{
  return !hg_vm_is_typing (data);
}

static void
paste (HgWindow     *window,
       HgTestSerial *serial,
       const char   *text,
       const char   *expect)
{
  GtkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (window), GDK_SELECTION_CLIPBOARD);

  gtk_clipboard_set_text (clipboard, text, -1);
  hg_test_serial_mark (serial);
  activate (window, "paste-keystrokes");
  if (!hg_test_serial_wait_for (serial, expect, 30000))
    g_error ("pasted «%s», the guest's console shows «%s»", text, hg_test_serial_output (serial));
  /* the last key's answer may come after its echo: one text at a time */
  g_assert_true (hg_test_wait_until (typing_done, window->current, DEADLINE_MS));
}

static char *
read_config (HgVmConfig *config)
{
  char *text = NULL;

  g_assert_true (g_file_get_contents (config->path, &text, NULL, NULL));
  return text;
}

static void
test_window (void)
{
  g_autoptr(HgApplication) app = NULL;
  g_autofree char *base = NULL;
  g_autoptr(HgVmConfig) config = hg_test_make_vm ("demo", "hostint", &base);
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(HgTestSerial) serial = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL, *after = NULL, *port_text = NULL, *held_text = NULL;
  g_autofree char *needle = NULL, *reach = NULL, *copied = NULL, *dump = NULL;
  g_auto(GStrv) addresses = NULL;
  const char *bases[] = { NULL, NULL };
  HgPropertiesDialog *dialog;
  HgForwardsEditor *editor;
  HgWindow *window;
  DetailsWait wait;
  GtkListBox *list;
  GtkWidget *row;
  guint16 port, held;
  int holder;

  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  g_ptr_array_add (config->nics, hg_nic_new (HG_NET_USER));
  g_free (((HgNic *) config->nics->pdata[0])->model);
  ((HgNic *) config->nics->pdata[0])->model = g_strdup ("virtio-net-pci");
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
  hg_test_runtime_init ();

  /* the guest runs before the window opens; the test reads its serial
   * console */
  vm = hg_vm_new_for_config (config);
  hg_test_vm_start (vm, 0);
  serial = hg_test_serial_open (hg_vm_get_serial_path (vm), &error);
  g_assert_no_error (error);
  g_assert_true (hg_test_serial_wait_for (serial, "Welcome to the Hangar demo VM", BOOT_TIMEOUT_MS));
  g_assert_true (hg_test_serial_wait_for (serial, "# ", 30000));

  app = hg_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  bases[0] = base;
  hg_application_set_bases (app, bases);
  window = g_object_ref_sink (hg_window_new (app));
  g_signal_connect (window, "library-loaded", G_CALLBACK (on_library_loaded), NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (hg_test_wait_until (loads_above, GUINT_TO_POINTER (0), DEADLINE_MS));
  g_assert_true (hg_vm_tree_select_path (window->tree, config->path));
  g_assert_true (hg_test_wait_until (window_attached, window, DEADLINE_MS));

  /* Paste as keystrokes, from the display page: the clipboard typed on
   * tty1, whose cat copies each line to the serial console */
  gtk_stack_set_visible_child_name (window->pages, "display");
  hg_test_ui_assert_picture (window, window->current, TRUE, DEADLINE_MS);
  paste (window, serial, "cat >/dev/ttyS0\nready\n", "ready");
  paste (window, serial, "Pasted: Hello, World! ~`|\\{}[]<>?\"'$%^&*()_+=-:;,./ 0123456789\n",
         "Pasted: Hello, World! ~`|\\{}[]<>?\"'$%^&*()_+=-:;,./ 0123456789");

  hg_test_ui_save_screenshot (GTK_WIDGET (window), "window-display-paste-keystrokes");
  {
    /* the display in its own window keeps the button working */
    GActionGroup *display = gtk_widget_get_action_group (GTK_WIDGET (window->vnc_view), "display");
    GtkWidget *button = find_actionable (GTK_WIDGET (window->vnc_view), "vm.paste-keystrokes");

    g_assert_true (gtk_widget_get_sensitive (button));
    g_action_group_change_action_state (display, "detach", g_variant_new_boolean (TRUE));
    hg_test_ui_flush ();
    g_assert_true (gtk_widget_get_toplevel (button) != GTK_WIDGET (window));
    g_assert_true (gtk_widget_get_sensitive (button));
    g_action_group_change_action_state (display, "detach", g_variant_new_boolean (FALSE));
    hg_test_ui_flush ();
  }
  gtk_stack_set_visible_child_name (window->pages, "details");

  /* the details list no forwards yet, but say where to add them */
  wait = (DetailsWait) { window, "runtime: running" };
  g_assert_true (hg_test_wait_until (details_show, &wait, DEADLINE_MS));

  /* Properties while it runs: the forwards editor works */
  activate (window, "properties");
  dialog = find_toplevel (HG_TYPE_PROPERTIES_DIALOG);
  g_assert_nonnull (dialog);
  editor = hg_properties_dialog_get_forwards_editor (dialog);
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (editor)));
  before = read_config (config);

  /* bad input: refused beside the fields, nothing changed */
  hg_forwards_editor_add (editor, "tcp", "127.0.0.1", "70000", "80", NULL);
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_nonnull (strstr (hg_forwards_editor_get_error (editor), "host port 70000 is outside 1–65535"));
  held = hg_test_free_port (SOCK_STREAM);
  holder = hg_test_listen_tcp (held);
  held_text = g_strdup_printf ("%u", held);
  hg_forwards_editor_add (editor, "tcp", "127.0.0.1", held_text, "80", NULL);
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  needle = g_strdup_printf ("Host port %u/tcp on 127.0.0.1 is in use by test-ui-forward", held);
  if (strstr (hg_forwards_editor_get_error (editor), needle) == NULL)
    g_error ("«%s» lacks «%s»", hg_forwards_editor_get_error (editor), needle);
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-properties-forwards-error");
  close (holder);
  after = read_config (config);
  g_assert_cmpstr (after, ==, before);

  /* a good one: live in QEMU on loopback, in the config, in the list */
  port = hg_test_free_port (SOCK_STREAM);
  port_text = g_strdup_printf ("%u", port);
  hg_forwards_editor_add (editor, "tcp", "127.0.0.1", port_text, "80", "web");
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_cmpstr (hg_forwards_editor_get_error (editor), ==, NULL);
  addresses = hg_proc_net_tcp_listen_addresses (port);
  g_assert_cmpuint (g_strv_length (addresses), ==, 1);
  g_assert_cmpstr (addresses[0], ==, "127.0.0.1");
  g_clear_pointer (&after, g_free);
  after = read_config (config);
  g_free (needle);
  needle = g_strdup_printf ("tcp:%u-80,name=web", port);
  g_assert_nonnull (strstr (after, needle));
  reach = g_strdup_printf ("http://localhost:%u", port);
  dump = hg_forwards_editor_dump (editor);
  g_assert_nonnull (strstr (dump, reach));
  g_free (held_text);
  held_text = g_strdup_printf ("%u", hg_test_free_port (SOCK_STREAM));
  hg_forwards_editor_add (editor, "udp", "0.0.0.0", held_text, "53", "dns");
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_cmpstr (hg_forwards_editor_get_error (editor), ==, NULL);
  hg_test_ui_save_screenshot (GTK_WIDGET (dialog), "dialog-properties-forwards");
  {
    /* the dialog scrolls on this 800-pixel screen: the form stays in view
     * once it is laid out */
    GtkWidget *scrolled = gtk_widget_get_ancestor (GTK_WIDGET (editor), GTK_TYPE_SCROLLED_WINDOW);
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

    if (!hg_test_wait_until (scrolled_to_end, adjustment, 5000))
      g_error ("the form is out of view: at %f of %f (page %f)", gtk_adjustment_get_value (adjustment),
               gtk_adjustment_get_upper (adjustment), gtk_adjustment_get_page_size (adjustment));
  }
  gtk_widget_destroy (GTK_WIDGET (dialog));

  /* the details page lists them (the library follows the config file) */
  g_free (needle);
  needle = g_strdup_printf ("forward: tcp 127.0.0.1:%u → guest port 80 web: %s", port, reach);
  wait = (DetailsWait) { window, needle };
  g_assert_true (hg_test_wait_until (details_show, &wait, DEADLINE_MS));
  list = GTK_LIST_BOX (gtk_widget_get_template_child (GTK_WIDGET (window->details),
                                                      HG_TYPE_DETAILS_VIEW, "forwards_list"));
  row = GTK_WIDGET (gtk_list_box_get_row_at_index (list, 0));
  g_assert_true (HG_IS_FORWARD_ROW (row));
  gtk_button_clicked (GTK_BUTTON (gtk_widget_get_template_child (row, HG_TYPE_FORWARD_ROW,
                                                                 "copy_button")));
  copied = gtk_clipboard_wait_for_text (gtk_widget_get_clipboard (row, GDK_SELECTION_CLIPBOARD));
  g_assert_cmpstr (copied, ==, reach);
  hg_test_ui_save_screenshot (GTK_WIDGET (window), "window-details-forwards");

  /* removed in Properties: the host port is closed */
  activate (window, "properties");
  dialog = find_toplevel (HG_TYPE_PROPERTIES_DIALOG);
  editor = hg_properties_dialog_get_forwards_editor (dialog);
  hg_forwards_editor_remove (editor, 0);
  g_assert_true (hg_test_wait_until (editor_idle, editor, DEADLINE_MS));
  g_assert_cmpstr (hg_forwards_editor_get_error (editor), ==, NULL);
  g_assert_false (hg_proc_net_tcp_is_listening ("127.0.0.1", port));
  g_clear_pointer (&dump, g_free);
  dump = hg_forwards_editor_dump (editor);
  g_assert_null (strstr (dump, reach));
  gtk_widget_destroy (GTK_WIDGET (dialog));

  hg_test_vm_kill (vm);
  gtk_widget_destroy (GTK_WIDGET (window));
  g_object_unref (window);
  hg_test_ui_flush ();
  hg_test_remove_tree (base);
  hg_test_runtime_cleanup ();
}

int
main (int argc, char *argv[])
{
  gtk_test_init (&argc, &argv, NULL);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  {
    /* the test's VM stops while the window may not have the focus: no
     * desktop notification (none can be shown under Xvfb, and GLib warns) */
    g_autoptr(GSettings) settings = hg_settings_new ();

    g_settings_set_boolean (settings, "notify-on-stop", FALSE);
    g_settings_set_boolean (settings, "notify-on-crash", FALSE);
  }

  g_test_add_func ("/hangar/ui/forwards/window", test_window);

  return g_test_run ();
}
