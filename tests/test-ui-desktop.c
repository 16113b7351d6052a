/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "hg-notifier.h"
#include "hg-preferences-dialog.h"
#include "hg-settings.h"
#include "hg-test-skip.h"
#include "hg-test-vm.h"

/*
 * Desktop integration, under Xvfb with GSETTINGS_BACKEND=memory:
 * the settings schema of the build tree, the base directories it adds, the
 * notification decisions, the preferences dialog's bindings, and the
 * German catalogue of the build tree.
 */

static GSettings *
new_settings (void)
{
  GSettings *settings = hg_settings_new ();

  g_assert_nonnull (settings);
  /* the memory backend starts from the schema's defaults in every test */
  g_settings_reset (settings, "base-directories");
  g_settings_reset (settings, "include-default-base");
  return settings;
}

static void
test_settings_defaults (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autofree char *console = g_settings_get_string (settings, "default-console");
  g_autofree char *accel = g_settings_get_string (settings, "default-accelerator");

  g_assert_cmpstr (console, ==, "vnc");
  g_assert_cmpstr (accel, ==, "auto");
  g_assert_true (g_settings_get_boolean (settings, "confirm-force-off"));
  g_assert_true (g_settings_get_boolean (settings, "confirm-delete"));
  g_assert_true (g_settings_get_boolean (settings, "notify-on-stop"));
  g_assert_true (g_settings_get_boolean (settings, "notify-on-crash"));
  g_assert_cmpuint (g_settings_get_uint (settings, "default-memory"), ==, 1024);
  /* a console the config format does not know is refused by the schema */
  {
    g_autoptr(GSettingsSchema) schema = NULL;
    g_autoptr(GSettingsSchemaKey) key = NULL;
    g_autoptr(GVariant) spice = g_variant_ref_sink (g_variant_new_string ("spice"));
    g_autoptr(GVariant) serial = g_variant_ref_sink (g_variant_new_string ("serial"));

    g_object_get (settings, "settings-schema", &schema, NULL);
    key = g_settings_schema_get_key (schema, "default-console");
    g_assert_false (g_settings_schema_key_range_check (key, spice));
    g_assert_true (g_settings_schema_key_range_check (key, serial));
  }
}

static void
test_settings_bases (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  const char *defaults[] = { "/home/u/.local/share/hangar/vms", NULL };
  const char *extra[] = { "/srv/vms", "/home/u/.local/share/hangar/vms", "/srv/vms", "", NULL };
  g_auto(GStrv) bases = NULL;

  /* nothing configured: keep "the library's defaults" */
  g_assert_null (hg_settings_dup_bases (settings, defaults));
  g_assert_null (hg_settings_dup_bases (NULL, defaults));

  g_settings_set_strv (settings, "base-directories", extra);
  bases = hg_settings_dup_bases (settings, defaults);
  g_assert_nonnull (bases);
  g_assert_cmpuint (g_strv_length (bases), ==, 2);
  g_assert_cmpstr (bases[0], ==, defaults[0]);
  g_assert_cmpstr (bases[1], ==, "/srv/vms");
  g_clear_pointer (&bases, g_strfreev);

  g_settings_set_boolean (settings, "include-default-base", FALSE);
  bases = hg_settings_dup_bases (settings, defaults);
  g_assert_cmpuint (g_strv_length (bases), ==, 2);
  g_assert_cmpstr (bases[0], ==, "/srv/vms");
  g_assert_cmpstr (bases[1], ==, defaults[0]);
}

static void
test_notifier_decisions (void)
{
  struct {
    HgVmState old_state, new_state;
    const char *log_tail;
    gboolean install, on_stop, on_crash;
    const char *title;      /* NULL: no notification */
    const char *in_body;
  } cases[] = {
    { HG_VM_STATE_RUNNING, HG_VM_STATE_STOPPED, NULL, FALSE, TRUE, TRUE, "demo stopped", "powered off" },
    { HG_VM_STATE_SHUTTING_DOWN, HG_VM_STATE_STOPPED, NULL, FALSE, TRUE, TRUE, "demo stopped", NULL },
    { HG_VM_STATE_RUNNING, HG_VM_STATE_STOPPED, NULL, TRUE, TRUE, TRUE, "Installation of demo finished", "installer" },
    { HG_VM_STATE_RUNNING, HG_VM_STATE_STOPPED, NULL, FALSE, FALSE, TRUE, NULL, NULL },
    { HG_VM_STATE_RUNNING, HG_VM_STATE_CRASHED, "line 1\nline 2\nline 3\nqemu: fatal: boom\n\n", FALSE, TRUE, TRUE,
      "demo crashed", "qemu: fatal: boom" },
    { HG_VM_STATE_PAUSED, HG_VM_STATE_CRASHED, NULL, FALSE, TRUE, TRUE, "demo crashed", "without a shutdown" },
    { HG_VM_STATE_RUNNING, HG_VM_STATE_CRASHED, "x", FALSE, TRUE, FALSE, NULL, NULL },
    /* not a stop: no notification */
    { HG_VM_STATE_STARTING, HG_VM_STATE_RUNNING, NULL, FALSE, TRUE, TRUE, NULL, NULL },
    { HG_VM_STATE_RUNNING, HG_VM_STATE_PAUSED, NULL, FALSE, TRUE, TRUE, NULL, NULL },
    /* already down (a VM found stopped or crashed at load): nothing */
    { HG_VM_STATE_STOPPED, HG_VM_STATE_STOPPED, NULL, FALSE, TRUE, TRUE, NULL, NULL },
    { HG_VM_STATE_CRASHED, HG_VM_STATE_STOPPED, NULL, FALSE, TRUE, TRUE, NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *title = NULL;
      g_autofree char *body = NULL;
      gboolean notify;

      g_test_message ("case %u", i);
      notify = hg_notifier_describe ("demo", cases[i].old_state, cases[i].new_state, NULL,
                                     cases[i].log_tail, cases[i].install,
                                     cases[i].on_stop, cases[i].on_crash, &title, &body);
      g_assert_cmpint (notify, ==, cases[i].title != NULL);
      g_assert_cmpstr (title, ==, cases[i].title);
      if (cases[i].in_body != NULL)
        g_assert_nonnull (strstr (body, cases[i].in_body));
    }

  /* only the last three log lines go into a crash notification */
  {
    g_autofree char *title = NULL;
    g_autofree char *body = NULL;

    g_assert_true (hg_notifier_describe ("demo", HG_VM_STATE_RUNNING, HG_VM_STATE_CRASHED, NULL,
                                         "one\ntwo\nthree\nfour\n", FALSE, TRUE, TRUE,
                                         &title, &body));
    g_assert_null (strstr (body, "one"));
    g_assert_nonnull (strstr (body, "two\nthree\nfour"));
  }
}

static GtkWidget *
child (GtkWidget  *dialog,
       const char *name)
{
  GObject *object = gtk_widget_get_template_child (dialog, HG_TYPE_PREFERENCES_DIALOG, name);

  g_assert_nonnull (object);
  return GTK_WIDGET (object);
}

static void
flush_events (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static void
test_preferences_bindings (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  const char *bases[] = { "/srv/vms", "/mnt/lab", NULL };
  GtkWidget *dialog = GTK_WIDGET (hg_preferences_dialog_new (NULL, settings));
  g_autoptr(GList) rows = NULL;

  gtk_widget_show (dialog);
  flush_events ();

  /* widgets show the settings … */
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dialog, "console_combo"))), ==, "vnc");
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (child (dialog, "accel_combo"))), ==, "auto");
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (child (dialog, "confirm_force_off_switch"))));
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (child (dialog, "memory_spin"))), ==, 1024);
  g_assert_false (gtk_widget_get_visible (child (dialog, "bases_list")));
  g_assert_true (gtk_widget_get_visible (child (dialog, "bases_empty_label")));

  /* … and write them back */
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dialog, "console_combo")), "serial");
  gtk_combo_box_set_active_id (GTK_COMBO_BOX (child (dialog, "accel_combo")), "tcg");
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "confirm_force_off_switch")), FALSE);
  gtk_switch_set_active (GTK_SWITCH (child (dialog, "notify_crash_switch")), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (dialog, "memory_spin")), 2048);
  {
    g_autofree char *console = g_settings_get_string (settings, "default-console");
    g_autofree char *accel = g_settings_get_string (settings, "default-accelerator");

    g_assert_cmpstr (console, ==, "serial");
    g_assert_cmpstr (accel, ==, "tcg");
  }
  g_assert_false (g_settings_get_boolean (settings, "confirm-force-off"));
  g_assert_false (g_settings_get_boolean (settings, "notify-on-crash"));
  g_assert_cmpuint (g_settings_get_uint (settings, "default-memory"), ==, 2048);

  /* base directories appear as rows, one per folder */
  g_settings_set_strv (settings, "base-directories", bases);
  flush_events ();
  rows = gtk_container_get_children (GTK_CONTAINER (child (dialog, "bases_list")));
  g_assert_cmpuint (g_list_length (rows), ==, 2);
  g_assert_true (gtk_widget_get_visible (child (dialog, "bases_list")));
  g_assert_false (gtk_widget_get_visible (child (dialog, "bases_empty_label")));

  /* the remove button of the first row drops that folder only */
  {
    GtkWidget *box = gtk_bin_get_child (GTK_BIN (rows->data));
    g_autoptr(GList) parts = gtk_container_get_children (GTK_CONTAINER (box));
    GtkWidget *remove = g_list_last (parts)->data;
    g_auto(GStrv) left = NULL;

    g_assert_true (GTK_IS_BUTTON (remove));
    gtk_button_clicked (GTK_BUTTON (remove));
    left = g_settings_get_strv (settings, "base-directories");
    g_assert_cmpuint (g_strv_length (left), ==, 1);
    g_assert_cmpstr (left[0], ==, "/mnt/lab");
  }

  gtk_widget_destroy (dialog);
  g_settings_reset (settings, "default-console");
  g_settings_reset (settings, "default-accelerator");
  g_settings_reset (settings, "confirm-force-off");
  g_settings_reset (settings, "notify-on-crash");
  g_settings_reset (settings, "default-memory");
}

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_window_state (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  GtkWidget *window = gtk_window_new (GTK_WINDOW_TOPLEVEL);
  gboolean timed_out = FALSE;
  int width = 0, height = 0;
  guint deadline;

  g_settings_set_int (settings, "window-width", 700);
  g_settings_set_int (settings, "window-height", 500);
  g_settings_set_boolean (settings, "window-maximized", FALSE);
  hg_settings_bind_window (settings, GTK_WINDOW (window));
  gtk_window_get_default_size (GTK_WINDOW (window), &width, &height);
  g_assert_cmpint (width, ==, 700);
  g_assert_cmpint (height, ==, 500);

  gtk_widget_show (window);
  gtk_window_resize (GTK_WINDOW (window), 812, 612);
  /* wait (main loop, 10 s deadline) until the X server gave it that size */
  deadline = g_timeout_add (10000, deadline_cb, &timed_out);
  while (!timed_out)
    {
      GtkAllocation alloc;

      gtk_widget_get_allocation (window, &alloc);
      if (alloc.width == 812 && alloc.height == 612)
        break;
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_false (timed_out);
  g_source_remove (deadline);

  /* closing the window keeps its size for the next start */
  gtk_widget_destroy (window);
  g_assert_cmpint (g_settings_get_int (settings, "window-width"), ==, 812);
  g_assert_cmpint (g_settings_get_int (settings, "window-height"), ==, 612);
  g_assert_false (g_settings_get_boolean (settings, "window-maximized"));
  g_settings_reset (settings, "window-width");
  g_settings_reset (settings, "window-height");
}

/* A real QEMU (the tiny guest, TCG) killed from outside: the notifier
 * watching its HgVm sends "<label> crashed" with QEMU's last log lines. */
typedef struct {
  char *id;
  char *title;
  char *body;
} Notified;

/* The test is the desktop: it takes the notification (no daemon runs). */
static gboolean
on_send_notification (HgNotifier    *notifier,
                      const char    *id,
                      const char    *title,
                      const char    *body,
                      GNotification *notification,
                      Notified      *out)
{
  g_free (out->id);
  g_free (out->title);
  g_free (out->body);
  out->id = g_strdup (id);
  out->title = g_strdup (title);
  out->body = g_strdup (body);
  g_assert_true (G_IS_NOTIFICATION (notification));
  return TRUE;
}

static gboolean
notified_cond (gpointer data)
{
  return ((Notified *) data)->title != NULL;
}

static void
test_notifier_real_crash (void)
{
  g_autoptr(GApplication) app = g_application_new ("io.github.hangarvm.Hangar.TestNotify",
                                                   G_APPLICATION_NON_UNIQUE);
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(HgNotifier) notifier = NULL;
  /* watched, then let go (a window drops a VM): it says nothing */
  g_autoptr(HgNotifier) unwatched = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(HgVm) vm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *base = NULL;
  Notified got = { NULL, NULL, NULL };
  Notified not_got = { NULL, NULL, NULL };
  GPid pid;

  config = hg_test_make_vm ("tiny", "notify-me", &base);
  if (config == NULL)
    {
      hg_test_skip_or_fail ("guest not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  g_assert_true (g_application_register (app, NULL, &error));
  g_assert_no_error (error);

  hg_test_runtime_init ();
  vm = hg_vm_new_for_config (config);
  notifier = hg_notifier_new (app, settings);
  g_signal_connect (notifier, "send-notification", G_CALLBACK (on_send_notification), &got);
  hg_notifier_watch (notifier, vm);
  unwatched = hg_notifier_new (app, settings);
  g_signal_connect (unwatched, "send-notification", G_CALLBACK (on_send_notification), &not_got);
  hg_notifier_watch (unwatched, vm);
  hg_notifier_unwatch (unwatched, vm);

  hg_test_vm_start (vm, 0);
  g_assert_null (got.title);      /* starting is not worth a notification */
  pid = hg_vm_get_pid (vm);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (hg_test_wait_until (notified_cond, &got, 10000));

  g_assert_cmpstr (got.id, ==, "vm-notify-me");
  g_assert_cmpstr (got.title, ==, "notify-me crashed");
  g_test_message ("notification: %s — %s", got.title, got.body);
  g_assert_nonnull (strstr (got.body, "unexpectedly"));
  g_assert_cmpint (hg_vm_get_state (vm), ==, HG_VM_STATE_CRASHED);
  g_assert_null (not_got.title);

  g_free (got.id);
  g_free (got.title);
  g_free (got.body);
  hg_test_remove_tree (base);
  hg_test_runtime_cleanup ();
}

/* The German catalogue compiled in the build tree speaks German for
 * strings of every layer (window, core errors, desktop file). */
static void
test_german_catalogue (void)
{
  g_autofree char *localedir = g_build_filename (g_getenv ("HANGAR_BUILD_ROOT"), "po", NULL);
  g_autofree char *mo = g_build_filename (localedir, "de", "LC_MESSAGES", "hangar.mo", NULL);
  const char *samples[] = {
    "Run and manage QEMU virtual machines",
    "Preferences",
    "Ask before deleting a VM",
    "%s crashed",
  };

  if (!g_file_test (mo, G_FILE_TEST_EXISTS))
    {
      g_test_fail_printf ("%s was not built", mo);
      return;
    }
  bindtextdomain (GETTEXT_PACKAGE, localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  g_setenv ("LANGUAGE", "de", TRUE);
  setlocale (LC_MESSAGES, "");
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      const char *translated = dgettext (GETTEXT_PACKAGE, samples[i]);

      g_test_message ("%s → %s", samples[i], translated);
      g_assert_cmpstr (translated, !=, samples[i]);
    }
  g_unsetenv ("LANGUAGE");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/hangar/ui/settings/defaults", test_settings_defaults);
  g_test_add_func ("/hangar/ui/settings/bases", test_settings_bases);
  g_test_add_func ("/hangar/ui/notifier/decisions", test_notifier_decisions);
  g_test_add_func ("/hangar/ui/notifier/real-crash", test_notifier_real_crash);
  g_test_add_func ("/hangar/ui/preferences/bindings", test_preferences_bindings);
  g_test_add_func ("/hangar/ui/settings/window-state", test_window_state);
  g_test_add_func ("/hangar/ui/i18n/german", test_german_catalogue);
  return g_test_run ();
}
