/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "hg-application.h"
#include "hg-disk-image.h"
#include "hg-install-phase.h"
#include "hg-library.h"
#include "hg-osinfo.h"
#include "hg-new-vm-assistant-private.h"
#include "hg-test-iso.h"
#include "hg-test-skip.h"
#include "hg-test-ui.h"

/*
 * The creation assistant under Xvfb, walked page by page as a user would:
 * values typed into its widgets, each page's completeness (Next/Create)
 * and its inline errors checked for bad input (a label with a space, a
 * missing ISO, a file that is not an ISO, a disk of 0 GiB, bad and
 * multicast MACs, a bad port forward), then Create and the VM checked on
 * disk.  End to end: win.new-vm (Ctrl+N) in a real window, a VM made from
 * a bootable ISO built by the test (tests/hg-test-iso.h), "start in install
 * mode" checked: QEMU (TCG) boots the ISO and the embedded display shows a
 * picture.  Every wait is a main-loop deadline, never a sleep.
 *
 * HANGAR_SCREENSHOT_DIR=DIR saves every page as DIR/assistant-<page>.png
 * (docs/screenshots/).
 */

#define STEP_MS   20000
#define CREATE_MS 60000
/* the first look at libosinfo's database parses all of it (slow under ASan) */
#define OSINFO_MS 120000
#define BOOT_MS   120000

static HgApplication *app;

typedef struct {
  char             *base;
  char             *iso;       /* bootable, from hg_test_iso_build() */
  HgHostCaps       *caps;
  HgNewVmAssistant *assistant;
  HgVmConfig       *created;
  gboolean          start_now;
} Fixture;

/* ---- helpers ------------------------------------------------------------------ */

static void
on_created (HgNewVmAssistant *assistant,
            HgVmConfig       *config,
            gboolean          start_now,
            Fixture          *f)
{
  f->created = hg_vm_config_ref (config);
  f->start_now = start_now;
}

static gboolean
validated (gpointer data)
{
  Fixture *f = data;
  return f->assistant->validate_id == 0;
}

/* Lets the idle validation run (and everything else pending) */
static void
settle (Fixture *f)
{
  g_assert_true (hg_test_wait_until (validated, f, STEP_MS));
  hg_test_ui_flush ();
}

static GtkWidget *
current_page (Fixture *f)
{
  GtkAssistant *a = GTK_ASSISTANT (f->assistant);
  return gtk_assistant_get_nth_page (a, gtk_assistant_get_current_page (a));
}

static gboolean
page_complete (Fixture      *f,
               HgVmSpecPage  page)
{
  return gtk_assistant_get_page_complete (GTK_ASSISTANT (f->assistant),
                                          hg_new_vm_assistant_get_page (f->assistant, page));
}

/* The error label shows text containing needle */
static void
assert_error_shown (GtkLabel   *label,
                    const char *needle)
{
  const char *text = gtk_label_get_text (label);

  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (label)));
  if (strstr (text, needle) == NULL)
    g_error ("inline error “%s” does not mention “%s”", text, needle);
}

static void
assert_error_hidden (GtkLabel *label)
{
  if (gtk_widget_get_visible (GTK_WIDGET (label)))
    g_error ("unexpected inline error: %s", gtk_label_get_text (label));
}

static void
next_page (Fixture      *f,
           HgVmSpecPage  expected)
{
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (f->assistant)));
  gtk_assistant_next_page (GTK_ASSISTANT (f->assistant));
  settle (f);
  g_assert_true (current_page (f) == hg_new_vm_assistant_get_page (f->assistant, expected));
}

/* As a user picks a file in the chooser's dialog */
static void
choose_file (GtkFileChooser *chooser,
             const char     *path)
{
  g_assert_true (gtk_file_chooser_set_filename (chooser, path));
  g_signal_emit_by_name (chooser, "file-set");
}

static void
find_button (GtkWidget *widget,
             gpointer   data)
{
  const char **wanted = data;

  if (GTK_IS_BUTTON (widget) && gtk_widget_get_visible (widget) &&
      g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), wanted[0]) == 0)
    wanted[1] = (const char *) widget;
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), find_button, data);
}

/* The assistant's own button with that label (_Next, C_reate …), or NULL */
static GtkWidget *
assistant_button (Fixture    *f,
                  const char *label)
{
  const char *wanted[2] = { label, NULL };

  gtk_container_forall (GTK_CONTAINER (f->assistant), find_button, wanted);
  return (GtkWidget *) wanted[1];
}

/* The summary's button, GtkAssistant's apply button: it reads "Create",
 * its mnemonic is not Cancel's (Alt+C) and Enter presses it */
static GtkWidget *
create_button (Fixture *f)
{
  GtkWidget *create = assistant_button (f, "C_reate");
  GtkWidget *cancel = assistant_button (f, "_Cancel");
  GtkLabel *label;

  g_assert_nonnull (create);
  g_assert_nonnull (cancel);
  g_assert_null (assistant_button (f, "_Apply"));
  g_assert_true (gtk_button_get_use_underline (GTK_BUTTON (create)));
  label = GTK_LABEL (gtk_bin_get_child (GTK_BIN (create)));
  g_assert_cmpstr (gtk_label_get_text (label), ==, "Create");
  g_assert_cmpuint (gtk_label_get_mnemonic_keyval (label), ==, GDK_KEY_r);
  g_assert_cmpuint (gtk_label_get_mnemonic_keyval (GTK_LABEL (gtk_bin_get_child (GTK_BIN (cancel)))), !=,
                    GDK_KEY_r);
  g_assert_true (gtk_widget_has_default (create));
  return create;
}

static void
on_flag (gboolean *flag)
{
  *flag = TRUE;
}

static gboolean
os_detected (gpointer data)
{
  Fixture *f = data;
  return !gtk_widget_get_visible (GTK_WIDGET (f->assistant->os_spinner)) &&
         g_strcmp0 (f->assistant->detected_iso, NULL) != 0;
}

static gboolean
os_list_loaded (gpointer data)
{
  Fixture *f = data;
  return gtk_tree_model_iter_n_children (GTK_TREE_MODEL (f->assistant->os_store), NULL) > 1;
}

static gboolean
vm_created (gpointer data)
{
  return ((Fixture *) data)->created != NULL;
}

static gboolean
back_on_summary (gpointer data)
{
  Fixture *f = data;
  return current_page (f) == f->assistant->page_summary &&
         f->assistant->create_cancellable == NULL;
}

static char *
summary_command_line (Fixture *f)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (f->assistant->cmdline_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

/* ---- fixture -------------------------------------------------------------------- */

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (hg_test_iso_missing_tools () != NULL)
    {
      hg_test_skip_or_fail (hg_test_iso_missing_tools ());
      return;
    }
  hg_test_runtime_init ();
  f->base = g_dir_make_tmp ("hangar-assistant-XXXXXX", &error);
  g_assert_no_error (error);
  /* isolinux booting the demo guest, known to libosinfo as Debian 11 */
  f->iso = hg_test_iso_build (f->base, &error);
  if (f->iso == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      hg_test_skip_or_fail (error->message);
      return;
    }
  g_assert_no_error (error);
  f->caps = hg_host_caps_probe ();
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->base == NULL)
    return;
  if (f->assistant != NULL)
    gtk_widget_destroy (GTK_WIDGET (f->assistant));
  g_clear_object (&f->assistant);
  g_clear_pointer (&f->created, hg_vm_config_unref);
  g_clear_pointer (&f->caps, hg_host_caps_unref);
  hg_test_remove_tree (f->base);
  g_clear_pointer (&f->base, g_free);
  g_clear_pointer (&f->iso, g_free);
  hg_test_runtime_cleanup ();
}

static void
open_assistant (Fixture *f)
{
  const char *bases[] = { f->base, NULL };

  f->assistant = g_object_ref_sink (hg_new_vm_assistant_new (NULL, bases, f->caps));
  g_signal_connect (f->assistant, "created", G_CALLBACK (on_created), f);
  gtk_window_present (GTK_WINDOW (f->assistant));
  settle (f);
}

/* ---- the walk ------------------------------------------------------------------- */

static void
test_walk (Fixture       *f,
           gconstpointer  data)
{
  HgNewVmAssistant *a;
  g_autofree char *not_iso = g_build_filename (f->base, "notes.iso", NULL);
  g_autofree char *cmdline = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *disk_path = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mac = NULL;
  HgNic *nic;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  open_assistant (f);
  a = f->assistant;

  /* Name: nothing typed yet = incomplete but no shouting; a space is refused
   * as you type, a good name is taken */
  g_assert_true (current_page (f) == a->page_name);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_NAME));
  assert_error_hidden (a->label_error);
  gtk_entry_set_text (a->label_entry, "my vm");
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_NAME));
  assert_error_shown (a->label_error, "my vm");
  g_assert_nonnull (hg_new_vm_assistant_get_page_error (a, HG_VM_SPEC_PAGE_NAME));
  gtk_entry_set_text (a->label_entry, "web1");
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_NAME));
  assert_error_hidden (a->label_error);
  g_assert_cmpstr (hg_vm_spec_get_label (hg_new_vm_assistant_get_spec (a)), ==, "web1");
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (a->base_combo)), ==, f->base);
  g_assert_true (g_str_has_suffix (gtk_label_get_text (a->target_label), "/web1"));
  g_assert_nonnull (assistant_button (f, "_Next"));
  g_assert_true (gtk_widget_get_sensitive (assistant_button (f, "_Next")));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-name");

  /* Install source: ISO without a file, a file that is not an ISO, then
   * the bootable ISO */
  next_page (f, HG_VM_SPEC_PAGE_SOURCE);
  gtk_button_clicked (GTK_BUTTON (a->source_iso_radio));
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  assert_error_shown (a->source_error, "ISO");
  g_assert_true (g_file_set_contents (not_iso, "not an ISO at all\n", -1, NULL));
  choose_file (a->iso_chooser, not_iso);
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  assert_error_shown (a->source_error, "notes.iso");
  choose_file (a->iso_chooser, f->iso);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  assert_error_hidden (a->source_error);
  g_assert_true (gtk_toggle_button_get_active (a->source_iso_radio));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-source");

  /* Operating system: detected from the ISO, or the list */
  next_page (f, HG_VM_SPEC_PAGE_OS);
  g_assert_true (hg_test_wait_until (os_detected, f, OSINFO_MS));
  settle (f);
  g_test_message ("OS page: %s", gtk_label_get_text (a->os_detect_label));
  g_assert_nonnull (strstr (gtk_label_get_text (a->os_detect_label), "Debian 11"));
  {
    g_autofree char *os_id = NULL;

    g_object_get (hg_new_vm_assistant_get_spec (a), "os-id", &os_id, NULL);
    g_assert_cmpstr (os_id, ==, "debian11");
  }
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_OS));
  g_assert_true (hg_test_wait_until (os_list_loaded, f, OSINFO_MS));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-os");
  /* the search narrows the list; "Other" always stays */
  gtk_entry_set_text (GTK_ENTRY (a->os_search_entry), "debian");
  gtk_tree_model_filter_refilter (a->os_filter);
  {
    int shown = gtk_tree_model_iter_n_children (GTK_TREE_MODEL (a->os_filter), NULL);
    int all = gtk_tree_model_iter_n_children (GTK_TREE_MODEL (a->os_store), NULL);

    g_test_message ("“debian” shows %d of %d systems", shown, all);
    g_assert_cmpint (shown, >, 2);
    g_assert_cmpint (shown, <, all / 4);
  }
  gtk_entry_set_text (GTK_ENTRY (a->os_search_entry), "");
  gtk_tree_model_filter_refilter (a->os_filter);

  /* Architecture: only installed emulators; KVM not offered under
   * HANGAR_ACCEL=tcg, with the reason shown */
  next_page (f, HG_VM_SPEC_PAGE_ARCH);
  g_assert_cmpstr (gtk_combo_box_get_active_id (GTK_COMBO_BOX (a->arch_combo)), ==, "x86_64");
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_ARCH));
  if (f->caps->force_tcg)
    {
      g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (a->accel_kvm_radio)));
      g_assert_nonnull (strstr (gtk_label_get_text (a->kvm_reason_label), "HANGAR_ACCEL"));
    }
  gtk_button_clicked (GTK_BUTTON (a->accel_tcg_radio));
  settle (f);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-arch");

  /* Memory and CPUs */
  next_page (f, HG_VM_SPEC_PAGE_MEMORY);
  /* bounded by the host, with a warning well before that */
  {
    guint host_memory = 0;

    g_object_get (hg_new_vm_assistant_get_spec (a), "host-memory-mib", &host_memory, NULL);
    gtk_spin_button_set_value (a->memory_spin, (double) host_memory * 4);
    settle (f);
    g_assert_cmpuint (hg_vm_spec_get_memory_mib (hg_new_vm_assistant_get_spec (a)), ==, host_memory);
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (a->memory_warning)));
    hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-memory-warning");
  }
  gtk_spin_button_set_value (a->memory_spin, 256);
  gtk_spin_button_set_value (a->cpus_spin, 1);
  settle (f);
  g_assert_cmpuint (hg_vm_spec_get_memory_mib (hg_new_vm_assistant_get_spec (a)), ==, 256);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_MEMORY));
  assert_error_hidden (a->memory_error);
  /* below what the OS asks for: a warning, not an error */
  g_test_message ("memory hint: %s", gtk_label_get_text (a->memory_warning));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-memory");

  /* Disk: 0 GiB is refused inline, 1 GiB is fine */
  next_page (f, HG_VM_SPEC_PAGE_DISK);
  gtk_spin_button_set_value (a->disk_size_spin, 0);
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_DISK));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (a->disk_error)));
  g_assert_cmpuint (hg_vm_spec_get_disk_size (hg_new_vm_assistant_get_spec (a)), ==, 0);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-disk-error");
  gtk_spin_button_set_value (a->disk_size_spin, 1);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_DISK));
  assert_error_hidden (a->disk_error);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-disk");

  /* Network: a MAC is generated; bad and multicast MACs are refused; a
   * port forward is added, a bad one refused */
  next_page (f, HG_VM_SPEC_PAGE_NETWORK);
  g_assert_true (gtk_toggle_button_get_active (a->net_user_radio));
  g_assert_true (hg_mac_is_valid (gtk_entry_get_text (a->mac_entry)));
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_NETWORK));
  gtk_entry_set_text (a->mac_entry, "52:54:00:zz:00:01");
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_NETWORK));
  assert_error_shown (a->net_error, "52:54:00:zz:00:01");
  gtk_entry_set_text (a->mac_entry, "01:00:5e:00:00:01");
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_NETWORK));
  assert_error_shown (a->net_error, "01:00:5e:00:00:01");
  gtk_button_clicked (GTK_BUTTON (a->mac_generate_button));
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_NETWORK));
  assert_error_hidden (a->net_error);
  mac = g_strdup (gtk_entry_get_text (a->mac_entry));
  g_assert_true (hg_mac_is_valid (mac));
  gtk_entry_set_text (a->forward_entry, "tcp:99999:22");
  gtk_button_clicked (GTK_BUTTON (a->forward_add_button));
  settle (f);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (a->forward_error)));
  gtk_entry_set_text (a->forward_entry, "tcp:2222:22");
  gtk_button_clicked (GTK_BUTTON (a->forward_add_button));
  settle (f);
  assert_error_hidden (a->forward_error);
  g_assert_cmpint (gtk_tree_model_iter_n_children (GTK_TREE_MODEL (a->forward_store), NULL), ==, 1);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-network");

  /* Console: the embedded display by default */
  next_page (f, HG_VM_SPEC_PAGE_CONSOLE);
  g_assert_true (gtk_toggle_button_get_active (a->console_vnc_radio));
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_CONSOLE));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-console");

  /* Summary: every choice and the exact command line */
  next_page (f, HG_VM_SPEC_PAGE_SUMMARY);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SUMMARY));
  cmdline = summary_command_line (f);
  g_test_message ("summary command line: %s", cmdline);
  g_assert_nonnull (strstr (cmdline, "qemu-system-x86_64"));
  g_assert_nonnull (strstr (cmdline, mac));
  /* the forward listens on loopback only, as the page says */
  g_assert_nonnull (strstr (cmdline, "hostfwd=tcp:127.0.0.1:2222-:22"));
  g_assert_nonnull (strstr (cmdline, "256"));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-summary");

  /* an ISO: "start in install mode" is proposed */
  g_assert_true (gtk_toggle_button_get_active (a->start_now_check));
  gtk_toggle_button_set_active (a->start_now_check, FALSE);

  /* Create, then Cancel at once: back on the summary with the reason, and
   * nothing left behind */
  gtk_button_clicked (GTK_BUTTON (create_button (f)));
  g_assert_true (current_page (f) == a->page_progress);
  g_signal_emit_by_name (a, "cancel");
  g_assert_true (hg_test_wait_until (back_on_summary, f, CREATE_MS));
  g_assert_null (f->created);
  assert_error_shown (a->summary_error, "Cancelled");
  {
    g_autoptr(GDir) dir = g_dir_open (f->base, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      g_assert_false (g_str_has_prefix (name, ".web1") || g_str_equal (name, "web1"));
  }
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-cancelled");
  g_assert_true (gtk_widget_get_sensitive (create_button (f)));

  /* Create (Alt+R, as a user would) creates it */
  g_assert_true (gtk_window_mnemonic_activate (GTK_WINDOW (a), GDK_KEY_r,
                                               gtk_window_get_mnemonic_modifier (GTK_WINDOW (a))));
  g_assert_true (hg_test_wait_until (vm_created, f, CREATE_MS));
  g_assert_false (f->start_now);

  config_path = g_build_filename (f->base, "web1", "web1.hangar", NULL);
  g_assert_cmpstr (f->created->path, ==, config_path);
  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->label, ==, "web1");
  g_assert_cmpstr (config->arch, ==, "x86_64");
  g_assert_cmpint (config->accel, ==, HG_ACCEL_TCG);
  g_assert_cmpuint (config->memory_mib, ==, 256);
  g_assert_cmpint (config->console, ==, HG_CONSOLE_VNC);
  g_assert_cmpuint (config->disks->len, ==, 1);
  disk_path = hg_vm_config_resolve_path (config, ((HgDisk *) g_ptr_array_index (config->disks, 0))->path);
  g_assert_true (g_file_test (disk_path, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpstr (((HgDisk *) g_ptr_array_index (config->disks, 0))->format, ==, "qcow2");
  g_assert_nonnull (hg_vm_config_get_medium (config, HG_MEDIUM_CDROM));
  g_assert_cmpuint (config->nics->len, ==, 1);
  nic = g_ptr_array_index (config->nics, 0);
  g_assert_cmpint (nic->mode, ==, HG_NET_USER);
  g_assert_cmpstr (nic->mac, ==, mac);
  g_assert_cmpuint (nic->hostfwd->len, ==, 1);
  /* nothing else left in the base (no temporary folder) */
  {
    g_autoptr(GDir) dir = g_dir_open (f->base, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (dir)) != NULL)
      g_assert_false (g_str_has_prefix (name, ".web1"));
  }
}

/* The label of a VM that exists is refused on the first page, and a failed
 * or refused creation leaves the summary with the reason */
static void
test_taken_label (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(HgVmConfig) existing = hg_vm_config_new ("taken");
  g_autofree char *dir = g_build_filename (f->base, "taken", NULL);
  g_autoptr(GError) error = NULL;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  hg_vm_config_set_location (existing, dir);
  g_assert_true (hg_vm_config_save (existing, &error));
  g_assert_no_error (error);

  open_assistant (f);
  gtk_entry_set_text (f->assistant->label_entry, "taken");
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_NAME));
  assert_error_shown (f->assistant->label_error, "taken");
  hg_test_ui_save_screenshot (GTK_WIDGET (f->assistant), "assistant-name-error");
  gtk_entry_set_text (f->assistant->label_entry, "free");
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_NAME));
}

/* An existing image converted to qcow2: the Disk page names it, Create
 * converts it into the VM folder and leaves the original alone */
static void
test_existing_image (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *image = g_build_filename (f->base, "old.img", NULL);
  g_autofree char *config_path = g_build_filename (f->base, "imported", "imported.hangar", NULL);
  g_autofree char *disk_path = NULL;
  g_autoptr(HgVmConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *zeros = g_malloc0 (1024 * 1024);
  HgNewVmAssistant *a;
  HgDisk *disk;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  g_assert_true (g_file_set_contents (image, zeros, 1024 * 1024, &error));
  open_assistant (f);
  a = f->assistant;
  gtk_entry_set_text (a->label_entry, "imported");
  next_page (f, HG_VM_SPEC_PAGE_SOURCE);
  choose_file (a->image_chooser, image);
  gtk_button_clicked (GTK_BUTTON (a->image_convert_radio));
  settle (f);
  g_assert_true (gtk_toggle_button_get_active (a->source_image_radio));
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  next_page (f, HG_VM_SPEC_PAGE_OS);
  next_page (f, HG_VM_SPEC_PAGE_ARCH);
  next_page (f, HG_VM_SPEC_PAGE_MEMORY);
  next_page (f, HG_VM_SPEC_PAGE_DISK);
  /* the image is the disk: no size to choose */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (a->disk_existing_label)));
  g_assert_false (gtk_widget_get_visible (a->disk_size_box));
  g_assert_nonnull (strstr (gtk_label_get_text (a->disk_existing_label), "old.img"));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-disk-existing");
  next_page (f, HG_VM_SPEC_PAGE_NETWORK);
  next_page (f, HG_VM_SPEC_PAGE_CONSOLE);
  next_page (f, HG_VM_SPEC_PAGE_SUMMARY);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SUMMARY));
  /* nothing to install from: starting at once is not proposed */
  g_assert_false (gtk_toggle_button_get_active (a->start_now_check));
  gtk_button_clicked (GTK_BUTTON (create_button (f)));
  g_assert_true (hg_test_wait_until (vm_created, f, CREATE_MS));

  config = hg_vm_config_load (config_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (config->disks->len, ==, 1);
  disk = g_ptr_array_index (config->disks, 0);
  g_assert_cmpstr (disk->format, ==, "qcow2");
  disk_path = hg_vm_config_resolve_path (config, disk->path);
  g_assert_true (g_str_has_prefix (disk_path, config->dir));
  g_assert_true (g_file_test (disk_path, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));
}

/* ---- end to end through the window ----------------------------------------------- */

static HgNewVmAssistant *
find_assistant (void)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (HG_IS_NEW_VM_ASSISTANT (l->data) && !gtk_widget_in_destruction (l->data))
      return l->data;
  return NULL;
}

static gboolean
assistant_open (gpointer data)
{
  return find_assistant () != NULL;
}

typedef struct {
  HgWindow   *window;
  const char *path;
} Selected;

static gboolean
vm_running_selected (gpointer data)
{
  Selected *s = data;

  return s->window->current != NULL &&
         g_strcmp0 (hg_vm_tree_get_selected_path (s->window->tree), s->path) == 0 &&
         hg_vm_get_state (s->window->current) == HG_VM_STATE_RUNNING;
}

#define DEMO_BANNER "Welcome to the Hangar demo VM"

static void
test_install_boot (Fixture       *f,
                   gconstpointer  data)
{
  const char *bases[] = { f->base, NULL };
  g_autoptr(HgWindow) window = NULL;
  g_autofree char *config_path = g_build_filename (f->base, "installer", "installer.hangar", NULL);
  HgNewVmAssistant *a;
  Selected selected;
  g_autoptr(HgVm) vm = NULL;
  gboolean vnc_closed = FALSE;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  hg_application_set_bases (app, bases);
  window = g_object_ref_sink (hg_window_new (app));
  gtk_window_resize (GTK_WINDOW (window), 1200, 760);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (hg_test_ui_wait_caps (window, STEP_MS));

  /* Ctrl+N is win.new-vm */
  {
    g_auto(GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "win.new-vm");
    g_assert_true (g_strv_contains ((const char * const *) accels, "<Primary>n"));
  }
  g_action_group_activate_action (G_ACTION_GROUP (window), "new-vm", NULL);
  g_assert_true (hg_test_wait_until (assistant_open, NULL, STEP_MS));
  a = f->assistant = g_object_ref (find_assistant ());
  g_signal_connect (a, "created", G_CALLBACK (on_created), f);
  settle (f);

  gtk_entry_set_text (a->label_entry, "installer");
  settle (f);
  next_page (f, HG_VM_SPEC_PAGE_SOURCE);
  choose_file (a->iso_chooser, f->iso);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  next_page (f, HG_VM_SPEC_PAGE_OS);
  g_assert_true (hg_test_wait_until (os_detected, f, OSINFO_MS));
  next_page (f, HG_VM_SPEC_PAGE_ARCH);
  next_page (f, HG_VM_SPEC_PAGE_MEMORY);
  gtk_spin_button_set_value (a->memory_spin, 256);
  next_page (f, HG_VM_SPEC_PAGE_DISK);
  gtk_spin_button_set_value (a->disk_size_spin, 1);
  next_page (f, HG_VM_SPEC_PAGE_NETWORK);
  gtk_button_clicked (GTK_BUTTON (a->net_none_radio));
  next_page (f, HG_VM_SPEC_PAGE_CONSOLE);
  next_page (f, HG_VM_SPEC_PAGE_SUMMARY);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SUMMARY));
  gtk_toggle_button_set_active (a->start_now_check, TRUE);
  g_assert_cmpint (hg_new_vm_assistant_get_install_mode (a), ==, HG_BOOT_CDROM);
  gtk_button_clicked (GTK_BUTTON (create_button (f)));
  g_assert_true (hg_test_wait_until (vm_created, f, CREATE_MS));
  g_assert_true (f->start_now);
  g_clear_object (&f->assistant);   /* it closed itself */

  /* the window selects the new VM, starts it from the ISO and shows its
   * display: the ISO's boot loader draws on it */
  selected.window = window;
  selected.path = config_path;
  g_assert_true (hg_test_wait_until (vm_running_selected, &selected, BOOT_MS));
  vm = g_object_ref (window->current);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (window->pages), ==, "display");
  /* isolinux on the ISO started the demo kernel: its banner on the serial
   * console proves the boot went through the CD */
  hg_test_ui_assert_serial (window->serial_view, DEMO_BANNER, BOOT_MS);
  /* the guest drew something past QEMU's own placeholder: the BIOS and
   * the ISO's boot loader */
  hg_test_ui_assert_picture (window, vm, TRUE, BOOT_MS);
  hg_test_ui_save_screenshot (GTK_WIDGET (window), "assistant-installer-booted");

  /* gtk-vnc wants its connection's coroutine ended before the display goes */
  g_signal_connect_swapped (hg_vnc_view_get_display (window->vnc_view), "vnc-disconnected",
                            G_CALLBACK (on_flag), &vnc_closed);
  hg_vm_kill_async (vm, NULL, NULL, NULL);
  g_assert_true (hg_test_wait_state (vm, HG_VM_STATE_STOPPED, STEP_MS));
  g_assert_true (hg_test_ui_wait_flag (&vnc_closed, STEP_MS));
  gtk_widget_destroy (GTK_WIDGET (window));
}

#if defined(__SANITIZE_ADDRESS__)
/* GLib drops (does not free) its first quark block, allocated by its
 * constructor, when the quark table grows past 2048 entries: libosinfo and
 * the assistant's many types get there.  Stacks deep enough to see that it
 * comes from _dl_init, and a suppression for exactly that. */
const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0:malloc_context_size=8";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:_dl_init\n";
}
#endif

/* The summary's text for a row name */
static const char *
summary_value (Fixture    *f,
               const char *key)
{
  GtkGrid *grid = f->assistant->summary_grid;

  for (int row = 0; gtk_grid_get_child_at (grid, 0, row) != NULL; row++)
    {
      GtkWidget *k = gtk_grid_get_child_at (grid, 0, row);
      GtkWidget *v = gtk_grid_get_child_at (grid, 1, row);

      if (GTK_IS_LABEL (k) && GTK_IS_LABEL (v) &&
          g_str_has_prefix (gtk_label_get_text (GTK_LABEL (k)), key))
        return gtk_label_get_text (GTK_LABEL (v));
    }
  g_error ("no summary row %s", key);
}

/* Straight to the summary, as the pages' values are set already */
static void
go_to_summary (Fixture *f)
{
  GtkAssistant *a = GTK_ASSISTANT (f->assistant);

  for (int i = 0; i < gtk_assistant_get_n_pages (a); i++)
    if (gtk_assistant_get_nth_page (a, i) == f->assistant->page_summary)
      gtk_assistant_set_current_page (a, i);
  settle (f);
  g_assert_true (current_page (f) == f->assistant->page_summary);
}

/* The firmware libosinfo says the OS needs: chosen, and the summary says
 * why; another OS takes the choice back */
static void
test_firmware_advice (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(HgOsInfo) win11 = NULL;
  g_autoptr(HgOsInfo) debian = NULL;
  HgFirmwareKind firmware = HG_FIRMWARE_BIOS;
  gboolean tpm = FALSE;
  HgNewVmAssistant *a;
  const char *text;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  win11 = hg_osinfo_lookup ("win11");
  debian = hg_osinfo_lookup ("debian11");
  if (win11 == NULL || debian == NULL)
    {
      hg_test_skip_or_fail ("libosinfo / osinfo-db not installed");
      return;
    }
  open_assistant (f);
  a = f->assistant;
  gtk_entry_set_text (a->label_entry, "win");
  g_object_set (a->spec, "arch", "x86_64", NULL);
  hg_vm_spec_apply_os (a->spec, win11);
  go_to_summary (f);
  text = summary_value (f, "Firmware");
  g_assert_nonnull (strstr (text, "UEFI with Secure Boot and a TPM 2.0"));
  g_assert_nonnull (strstr (text, "Windows 11"));
  g_object_get (a->spec, "firmware", &firmware, "tpm", &tpm, NULL);
  g_assert_cmpint (firmware, ==, HG_FIRMWARE_UEFI_SECURE);
  g_assert_true (tpm);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-summary-firmware");

  /* Debian 11 only supports UEFI: BIOS stays, and the summary says so */
  gtk_assistant_set_current_page (GTK_ASSISTANT (a), 0);
  settle (f);
  hg_vm_spec_apply_os (a->spec, debian);
  go_to_summary (f);
  text = summary_value (f, "Firmware");
  g_assert_true (g_str_has_prefix (text, "BIOS"));
  g_assert_nonnull (strstr (text, "supports UEFI"));
  g_object_get (a->spec, "firmware", &firmware, "tpm", &tpm, NULL);
  g_assert_cmpint (firmware, ==, HG_FIRMWARE_BIOS);
  g_assert_false (tpm);
}

/* ---- express install ------------------------------------------------------------ */

static gboolean
express_answered (gpointer data)
{
  Fixture *f = data;
  return gtk_widget_get_visible (f->assistant->express_box);
}

/* Name, ISO source with iso, then the OS page until libosinfo has said
 * whether express install is available */
static void
express_walk_to_os (Fixture    *f,
                    const char *label,
                    const char *iso)
{
  HgNewVmAssistant *a;

  open_assistant (f);
  a = f->assistant;
  gtk_entry_set_text (a->label_entry, label);
  settle (f);
  next_page (f, HG_VM_SPEC_PAGE_SOURCE);
  gtk_button_clicked (GTK_BUTTON (a->source_iso_radio));
  choose_file (a->iso_chooser, iso);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  next_page (f, HG_VM_SPEC_PAGE_OS);
  g_assert_true (hg_test_wait_until (os_detected, f, OSINFO_MS));
  g_assert_true (hg_test_wait_until (express_answered, f, OSINFO_MS));
  settle (f);
}

/* Debian's installer ISO: the express section asks the answers; a
 * missing or mistyped password holds the page; the summary says it; the
 * VM is made in the install phase ([install]) and its config holds no
 * password */
static void
test_express (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *iso = hg_test_guest_file ("d-i", "netinst.iso");
  g_autofree char *xorriso = hg_install_find_xorriso ();
  g_autofree char *contents = NULL;
  HgNewVmAssistant *a;
  const char *password = "s3cret-Pass";
  const char *text;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  if (iso == NULL || xorriso == NULL || !hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("Debian's installer (tools/build-guests.sh: d-i/netinst.iso), "
                            "xorriso or libosinfo missing");
      return;
    }
  express_walk_to_os (f, "deb1", iso);
  a = f->assistant;
  g_test_message ("express: %s", gtk_label_get_text (a->express_info_label));
  g_assert_true (gtk_widget_get_visible (a->express_head));
  g_assert_nonnull (strstr (gtk_label_get_text (a->express_info_label), "Debian"));
  g_assert_false (gtk_widget_get_sensitive (a->express_grid));
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_OS));

  gtk_switch_set_active (a->express_switch, TRUE);
  settle (f);
  g_assert_true (gtk_widget_get_sensitive (a->express_grid));
  g_assert_cmpstr (gtk_entry_get_placeholder_text (a->express_hostname_entry), ==, "deb1");
  g_assert_cmpint (gtk_entry_get_text_length (a->express_timezone_entry), >, 0);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_OS));
  assert_error_shown (a->express_error, "password");
  gtk_entry_set_text (a->express_user_entry, "alice");
  gtk_entry_set_text (a->express_password_entry, password);
  gtk_entry_set_text (a->express_confirm_entry, "s3cret-Pas");
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_OS));
  assert_error_shown (a->express_error, "do not match");
  gtk_entry_set_text (a->express_confirm_entry, password);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_OS));
  assert_error_hidden (a->express_error);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-os-express");

  go_to_summary (f);
  text = summary_value (f, "Installation");
  g_assert_true (g_str_has_prefix (text, "Express install as alice"));
  g_assert_nonnull (strstr (text, "deb1"));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-summary-express");
  gtk_toggle_button_set_active (a->start_now_check, FALSE);
  g_assert_cmpint (hg_new_vm_assistant_get_install_mode (a), ==, HG_BOOT_KERNEL);
  gtk_button_clicked (GTK_BUTTON (assistant_button (f, "C_reate")));
  g_assert_true (hg_test_wait_until (vm_created, f, CREATE_MS));
  g_assert_true (g_file_get_contents (f->created->path, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "[install]"));
  g_assert_nonnull (strstr (contents, "express=initrd"));
  g_assert_null (strstr (contents, password));
  g_assert_true (hg_install_phase_active (f->created));
  /* the answer file is in the runtime directory only */
  {
    g_autofree char *dir = hg_install_phase_media_dir (f->created->uuid);

    g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
    hg_install_phase_complete (f->created, NULL);
    g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  }
}

/* An ISO libosinfo does not know: the page says express install is not
 * available, and why; no switch */
static void
test_express_unavailable (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *iso = NULL;
  HgNewVmAssistant *a;
  const char *text;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  if (!hg_osinfo_init (NULL))
    {
      hg_test_skip_or_fail ("libosinfo / osinfo-db not installed");
      return;
    }
  iso = hg_test_iso_make (f->base, "mystery.iso", "MYSTERY_OS_1", NULL, &error);
  g_assert_no_error (error);
  express_walk_to_os (f, "mystery", iso);
  a = f->assistant;
  text = gtk_label_get_text (a->express_info_label);
  g_test_message ("express: %s", text);
  g_assert_true (g_str_has_prefix (text, "Express install isn't available for this ISO: "));
  g_assert_false (gtk_widget_get_visible (a->express_head));
  g_assert_false (hg_new_vm_assistant_express_active (a));
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_OS));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-os-no-express");

  /* another source: no express section; the ISO again: it is back */
  gtk_assistant_previous_page (GTK_ASSISTANT (a));
  settle (f);
  gtk_button_clicked (GTK_BUTTON (a->source_pxe_radio));
  settle (f);
  next_page (f, HG_VM_SPEC_PAGE_OS);
  g_assert_false (gtk_widget_get_visible (a->express_box));
  gtk_assistant_previous_page (GTK_ASSISTANT (a));
  settle (f);
  gtk_button_clicked (GTK_BUTTON (a->source_iso_radio));
  settle (f);
  next_page (f, HG_VM_SPEC_PAGE_OS);
  g_assert_true (gtk_widget_get_visible (a->express_box));
}

/* A cloud image: "Use an existing disk image" with cloud-init; without a
 * password or a key the page holds; with a key the VM is an overlay on
 * the image ([disk:0] allow-backing) with the seed CD */
static void
test_cloud_image (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();
  g_autofree char *image = NULL, *key = NULL, *contents = NULL;
  HgNewVmAssistant *a;
  const char *text;

  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  image = g_build_filename (f->base, "debian-11-genericcloud-amd64.qcow2", NULL);
  key = g_build_filename (f->base, "id_ed25519.pub", NULL);
  {
    const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", image, "16M", NULL };
    g_autofree char *out = NULL, *err = NULL;

    g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
  }
  g_assert_true (g_file_set_contents (key, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFake a@b\n", -1, NULL));

  open_assistant (f);
  a = f->assistant;
  gtk_entry_set_text (a->label_entry, "cloud1");
  settle (f);
  next_page (f, HG_VM_SPEC_PAGE_SOURCE);
  gtk_button_clicked (GTK_BUTTON (a->source_image_radio));
  choose_file (a->image_chooser, image);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  gtk_toggle_button_set_active (a->cloud_check, TRUE);
  gtk_entry_set_text (a->cloud_user_entry, "alice");
  settle (f);
  /* no login yet */
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  g_test_message ("cloud-init: %s", gtk_label_get_text (a->cloud_error));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (a->cloud_error)));
  /* a mistyped password holds it too; the key alone is enough */
  gtk_entry_set_text (a->cloud_password_entry, "pw1");
  gtk_entry_set_text (a->cloud_confirm_entry, "pw2");
  settle (f);
  g_assert_false (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  assert_error_shown (a->cloud_error, "do not match");
  gtk_entry_set_text (a->cloud_password_entry, "");
  gtk_entry_set_text (a->cloud_confirm_entry, "");
  choose_file (a->cloud_key_chooser, key);
  settle (f);
  g_assert_true (page_complete (f, HG_VM_SPEC_PAGE_SOURCE));
  assert_error_hidden (a->cloud_error);
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-source-cloud");

  go_to_summary (f);
  /* libosinfo knows the image by its file name */
  g_assert_cmpstr (summary_value (f, "Operating system"), ==, "Debian 11");
  text = summary_value (f, "Cloud image");
  g_assert_true (g_str_has_prefix (text, "an overlay on the image"));
  g_assert_nonnull (strstr (text, "user alice with SSH keys"));
  hg_test_ui_save_screenshot (GTK_WIDGET (a), "assistant-summary-cloud");
  gtk_toggle_button_set_active (a->start_now_check, FALSE);
  gtk_button_clicked (GTK_BUTTON (assistant_button (f, "C_reate")));
  g_assert_true (hg_test_wait_until (vm_created, f, CREATE_MS));
  g_assert_true (g_file_get_contents (f->created->path, &contents, NULL, NULL));
  g_test_message ("%s", contents);
  g_assert_nonnull (strstr (contents, "cloud1-seed.iso"));
  g_assert_nonnull (strstr (contents, "allow-backing"));
  {
    g_autofree char *seed = g_build_filename (f->created->dir, "cloud1-seed.iso", NULL);
    g_assert_true (g_file_test (seed, G_FILE_TEST_IS_REGULAR));
  }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GtkCssProvider) css = NULL;
  int status;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_test_init (&argc, &argv, NULL);
  /* screenshots show the final state, not a transition */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  app = hg_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  /* the application's style (inline error colours), as the app loads it */
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/hangarvm/Hangar/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (css),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  g_test_add ("/hangar/ui/assistant/walk", Fixture, NULL, fixture_setup, test_walk, fixture_teardown);
  g_test_add ("/hangar/ui/assistant/taken-label", Fixture, NULL, fixture_setup, test_taken_label,
              fixture_teardown);
  g_test_add ("/hangar/ui/assistant/existing-image", Fixture, NULL, fixture_setup, test_existing_image,
              fixture_teardown);
  g_test_add ("/hangar/ui/assistant/install-boot", Fixture, NULL, fixture_setup, test_install_boot,
              fixture_teardown);
  g_test_add ("/hangar/ui/assistant/express", Fixture, NULL, fixture_setup, test_express,
              fixture_teardown);
  g_test_add ("/hangar/ui/assistant/express-unavailable", Fixture, NULL, fixture_setup,
              test_express_unavailable, fixture_teardown);
  g_test_add ("/hangar/ui/assistant/cloud-image", Fixture, NULL, fixture_setup, test_cloud_image,
              fixture_teardown);
  g_test_add ("/hangar/ui/assistant/firmware-advice", Fixture, NULL, fixture_setup,
              test_firmware_advice, fixture_teardown);

  status = g_test_run ();
  g_clear_object (&app);
  return status;
}
