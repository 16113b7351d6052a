/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "hg-application.h"
#include "hg-import-dialog.h"
#include "hg-test-skip.h"
#include "hg-test-ui.h"
#include "hg-test-vm.h"
#include "hg-window-private.h"

#include <vncdisplay.h>

/*
 * The main window under Xvfb, over a temporary library: the tree
 * and its grouping, the filter, the details, a VM directory added on disk,
 * a VM started and killed by `hangarctl` in another process (and one that
 * ran before the window opened), closing the window with a VM running, and
 * the end-to-end run of the demo VM started through vm.start until the
 * embedded display shows a picture and the serial terminal its banner.
 * Waits iterate the main loop with a deadline, never a fixed sleep.
 *
 * HANGAR_SCREENSHOT_DIR=DIR saves what the window showed (main window,
 * display, serial terminal, networks) as PNGs there.
 */

#define LOAD_MS      15000
#define STATE_MS     30000
#define BOOT_MS      90000
#define DEMO_BANNER  "Welcome to the Hangar demo VM"

static HgApplication *app;

/* QEMUs this run started: killed if a failed assertion ends it before its
 * teardown could (VMs outlive their starters by design) */
static volatile GPid qemu_pids[16];
static volatile guint n_started;

/* Only a process whose command line still names this run's runtime
 * directory is ours (a pid may have been reused); signal-safe calls only */
static gboolean
is_our_qemu (GPid pid)
{
  const char *runtime = g_getenv ("HANGAR_RUNTIME_DIR");
  char path[64], cmdline[8192];
  ssize_t n;
  int fd;

  if (runtime == NULL)
    return FALSE;
  g_snprintf (path, sizeof path, "/proc/%d/cmdline", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return FALSE;
  n = read (fd, cmdline, sizeof cmdline - 1);
  close (fd);
  if (n <= 0)
    return FALSE;
  for (ssize_t i = 0; i < n; i++)
    if (cmdline[i] == '\0')
      cmdline[i] = ' ';
  cmdline[n] = '\0';
  return strstr (cmdline, "qemu-system") != NULL && strstr (cmdline, runtime) != NULL;
}

static void
on_fatal_signal (int signum)
{
  for (guint i = 0; i < n_started; i++)
    if (qemu_pids[i] > 0 && is_our_qemu (qemu_pids[i]))
      kill (qemu_pids[i], SIGKILL);
  signal (signum, SIG_DFL);
  raise (signum);
}

static void
remember_pid (GPid pid)
{
  if (pid > 0 && n_started < G_N_ELEMENTS (qemu_pids))
    qemu_pids[n_started++] = pid;
}

static gboolean
has_pid (gpointer vm)
{
  return hg_vm_get_pid (vm) > 0;
}

typedef struct {
  char     *base;
  HgWindow *window;
  guint     loads;
} Fixture;

/* ---- the library --------------------------------------------------------- */

static void
save_vm (HgVmConfig *config,
         const char *base,
         const char *folder,
         const char *label)
{
  g_autofree char *dir = g_build_filename (base, folder != NULL ? folder : "", label, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  hg_vm_config_set_location (config, dir);
  hg_vm_config_save (config, &error);
  g_assert_no_error (error);
}

static HgVmConfig *
plain_vm (const char *label,
          const char *arch)
{
  HgVmConfig *config = hg_vm_config_new (label);

  g_free (config->arch);
  config->arch = g_strdup (arch);
  config->accel = HG_ACCEL_TCG;
  config->memory_mib = 128;
  config->boot_mode = HG_BOOT_PXE;
  return config;
}

/* base/demo (the demo guest, accel auto), base/tiny (the boot-sector
 * guest), base/lab/net/router (on switch lab0), base/arm/arm-board,
 * base/broken (a config with an error).  FALSE when the guests are not
 * built. */
static gboolean
make_library (Fixture *f)
{
  g_autoptr(HgVmConfig) demo = NULL;
  g_autoptr(HgVmConfig) tiny = NULL;
  g_autoptr(HgVmConfig) router = plain_vm ("router", "x86_64");
  g_autoptr(HgVmConfig) arm = plain_vm ("arm-board", "aarch64");
  g_autofree char *demo_base = NULL;
  g_autofree char *tiny_base = NULL;
  g_autofree char *broken_dir = NULL;
  g_autofree char *broken = NULL;
  g_autoptr(GError) error = NULL;
  HgNic *nic;

  demo = hg_test_make_vm ("demo", "demo", &demo_base);
  tiny = hg_test_make_vm ("tiny", "tiny", &tiny_base);
  if (demo == NULL || tiny == NULL)
    {
      hg_test_remove_tree (demo_base);
      hg_test_remove_tree (tiny_base);
      return FALSE;
    }
  f->base = g_dir_make_tmp ("hgwin-XXXXXX", &error);
  g_assert_no_error (error);

  demo->accel = HG_ACCEL_AUTO;
  /* on a VDE switch: the networks page has something to show */
  nic = hg_nic_new (HG_NET_VDE);
  g_free (nic->switch_name);
  nic->switch_name = g_strdup ("lab0");
  g_free (nic->mac);
  nic->mac = g_strdup ("52:54:00:de:00:01");
  g_free (nic->model);
  nic->model = g_strdup ("virtio-net-pci");
  g_ptr_array_add (demo->nics, nic);
  save_vm (demo, f->base, NULL, "demo");
  save_vm (tiny, f->base, NULL, "tiny");
  hg_test_remove_tree (demo_base);
  hg_test_remove_tree (tiny_base);

  nic = hg_nic_new (HG_NET_VDE);
  g_free (nic->switch_name);
  nic->switch_name = g_strdup ("lab0");
  g_free (nic->mac);
  nic->mac = g_strdup ("52:54:00:12:34:56");
  g_ptr_array_add (router->nics, nic);
  save_vm (router, f->base, "lab/net", "router");
  save_vm (arm, f->base, "arm", "arm-board");

  broken_dir = g_build_filename (f->base, "broken", NULL);
  g_assert_cmpint (g_mkdir (broken_dir, 0755), ==, 0);
  broken = g_build_filename (broken_dir, "broken.hangar", NULL);
  g_file_set_contents (broken, "[machine]\nlabel=broken\narch=x86_64\nmemory=lots\n", -1, &error);
  g_assert_no_error (error);
  return TRUE;
}

/* ---- waiting --------------------------------------------------------------- */

static void
on_library_loaded (HgWindow *window,
                   Fixture  *f)
{
  f->loads++;
}

typedef struct {
  Fixture    *f;
  const char *needle;
  gboolean    absent;
} TreeWait;

static gboolean
tree_matches (gpointer data)
{
  TreeWait *w = data;
  g_autofree char *dump = hg_vm_tree_dump (w->f->window->tree);
  gboolean found = strstr (dump, w->needle) != NULL;

  return w->absent ? !found : found;
}

static void
assert_tree_shows (Fixture    *f,
                   const char *needle,
                   gboolean    shown,
                   guint       timeout_ms)
{
  TreeWait w = { f, needle, !shown };

  if (!hg_test_wait_until (tree_matches, &w, timeout_ms))
    {
      g_autofree char *dump = hg_vm_tree_dump (f->window->tree);
      g_error ("the tree %s “%s” after %u ms:\n%s", shown ? "does not show" : "still shows",
               needle, timeout_ms, dump);
    }
}

typedef struct {
  Fixture    *f;
  const char *needle;
} DetailsWait;

static gboolean
details_match (gpointer data)
{
  DetailsWait *w = data;
  g_autofree char *dump = hg_details_view_dump (w->f->window->details);

  return strstr (dump, w->needle) != NULL;
}

static void
assert_details_show (Fixture    *f,
                     const char *needle,
                     guint       timeout_ms)
{
  DetailsWait w = { f, needle };

  if (!hg_test_wait_until (details_match, &w, timeout_ms))
    {
      g_autofree char *dump = hg_details_view_dump (f->window->details);
      g_error ("the details do not show “%s” after %u ms:\n%s", needle, timeout_ms, dump);
    }
}

typedef struct {
  Fixture *f;
  guint    before;
} LoadWait;

static gboolean
loaded_again (gpointer data)
{
  LoadWait *w = data;
  return w->f->loads > w->before;
}

/* Waits for the next "library-loaded" after a (re)load was asked for */
static void
wait_loaded (Fixture *f)
{
  LoadWait w = { f, f->loads };

  g_assert_true (hg_test_wait_until (loaded_again, &w, LOAD_MS));
}

static gboolean
has_qmp (gpointer vm)
{
  return hg_vm_get_qmp_client (vm) != NULL;
}

static gboolean
loads_reached (gpointer data)
{
  Fixture *f = data;
  return f->loads > 0;
}

/* ---- fixture ---------------------------------------------------------------- */

static void
open_window (Fixture *f)
{
  const char *bases[] = { f->base, NULL };

  hg_application_set_bases (app, bases);
  f->window = g_object_ref_sink (hg_window_new (app));
  g_signal_connect (f->window, "library-loaded", G_CALLBACK (on_library_loaded), f);
  /* no cross-fades: a screenshot shows one page */
  gtk_stack_set_transition_type (f->window->pages, GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_window_resize (GTK_WINDOW (f->window), 1180, 740);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_true (hg_test_wait_until (loads_reached, f, LOAD_MS));
  g_assert_true (hg_test_ui_wait_caps (f->window, LOAD_MS));
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  hg_test_runtime_init ();
  if (!make_library (f))
    {
      hg_test_skip_or_fail ("guests not built (set HANGAR_GUESTS_DIR, run tools/build-guests.sh)");
      return;
    }
  if (data == NULL)
    open_window (f);
}

static void
kill_with_hangarctl (Fixture    *f,
                     const char *label)
{
  g_autofree char *hangarctl = hg_test_hangarctl_path ();
  const char *argv[] = { hangarctl, "--base", f->base, "kill", label, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* not running is fine here (exit code says so) */
  hg_test_run (argv, &out, &err, 30000);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->base != NULL)
    {
      g_autofree char *hangarctl = hg_test_hangarctl_path ();
      const char *argv[] = { hangarctl, "switch", "stop", "lab0", NULL };

      kill_with_hangarctl (f, "demo");
      kill_with_hangarctl (f, "tiny");
      /* the demo's switch, started with it */
      hg_test_run (argv, NULL, NULL, 30000);
    }
  if (f->window != NULL)
    {
      gtk_widget_destroy (GTK_WIDGET (f->window));
      g_clear_object (&f->window);
    }
  hg_test_remove_tree (f->base);
  g_clear_pointer (&f->base, g_free);
  hg_test_runtime_cleanup ();
}

/* Saves the window as $HANGAR_SCREENSHOT_DIR/name.png (hg-test-ui.c) */
static void
save_screenshot (Fixture    *f,
                 const char *name)
{
  hg_test_ui_save_screenshot (GTK_WIDGET (f->window), name);
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_tree (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *dump = NULL;
  g_autofree char *expected = NULL;

  if (f->window == NULL)
    return;
  dump = hg_vm_tree_dump (f->window->tree);
  g_test_message ("tree:\n%s", dump);
  /* base → folders (before VMs, sorted) → VMs, each with arch, accel, state */
  expected = g_strdup_printf ("%s/\n"
                              "  arm/\n"
                              "    arm-board [aarch64, tcg] stopped\n"
                              "  lab/\n"
                              "    net/\n"
                              "      router [x86_64, tcg] stopped\n"
                              "  broken [broken] ",
                              f->base);
  g_assert_true (g_str_has_prefix (dump, expected));
  g_assert_nonnull (strstr (dump, "memory"));   /* the broken config's error names its key */
  g_assert_nonnull (strstr (dump, "\n  demo [x86_64, auto] stopped\n  tiny [x86_64, tcg] stopped\n"));
  g_assert_cmpuint (hg_vm_tree_get_n_vms (f->window->tree), ==, 5);

  /* the first VM is selected, the window's subtitle names it */
  g_assert_cmpstr (hg_details_view_get_title (f->window->details), ==, "arm-board");
  g_assert_cmpstr (gtk_header_bar_get_subtitle (f->window->header_bar), ==, "arm-board");

  /* a broken VM shows its error in the details */
  {
    g_autofree char *path = g_build_filename (f->base, "broken", "broken.hangar", NULL);

    g_assert_true (hg_vm_tree_select_path (f->window->tree, path));
    assert_details_show (f, "error: ", 1000);
    assert_details_show (f, "memory", 1000);
  }
  save_screenshot (f, "window-tree");
}

static void
test_filter (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *dump = NULL;

  if (f->window == NULL)
    return;
  /* what typing into the filter entry does (it sets the entry's text) */
  hg_vm_tree_set_filter_text (f->window->tree, "router");
  dump = hg_vm_tree_dump (f->window->tree);
  g_test_message ("filter router:\n%s", dump);
  g_assert_nonnull (strstr (dump, "lab/\n    net/\n      router"));
  g_assert_null (strstr (dump, "demo"));
  g_assert_null (strstr (dump, "arm/"));
  g_clear_pointer (&dump, g_free);

  /* architecture */
  hg_vm_tree_set_filter_text (f->window->tree, "AARCH64");
  dump = hg_vm_tree_dump (f->window->tree);
  g_assert_nonnull (strstr (dump, "arm-board"));
  g_assert_null (strstr (dump, "router"));
  g_clear_pointer (&dump, g_free);

  /* nothing matches: only the base is left, so one sees where */
  hg_vm_tree_set_filter_text (f->window->tree, "no-such-vm");
  dump = hg_vm_tree_dump (f->window->tree);
  g_assert_cmpuint (strlen (dump), ==, strlen (f->base) + 2);
  g_clear_pointer (&dump, g_free);

  hg_vm_tree_set_filter_text (f->window->tree, "");
  dump = hg_vm_tree_dump (f->window->tree);
  g_assert_nonnull (strstr (dump, "router"));
  g_assert_nonnull (strstr (dump, "demo"));
}

static void
test_details (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *dump = NULL;

  if (f->window == NULL)
    return;
  hg_window_select_vm (f->window, "demo", FALSE);
  wait_loaded (f);
  /* the command line comes once the images are checked */
  assert_details_show (f, "qemu-system-x86_64", STATE_MS);
  dump = hg_details_view_dump (f->window->details);
  g_test_message ("details:\n%s", dump);
  g_assert_nonnull (strstr (dump, "title: demo\n"));
  g_assert_nonnull (strstr (dump, "arch: x86_64\n"));
  g_assert_nonnull (strstr (dump, "memory: 256 MiB\n"));
  g_assert_nonnull (strstr (dump, "boot: kernel\nkernel "));
  g_assert_nonnull (strstr (dump, "runtime: stopped\n"));
  /* the assembled command line, no shell quoting surprises */
  g_assert_nonnull (strstr (dump, "cmdline: "));
  g_assert_nonnull (strstr (dump, "qemu-system-x86_64"));
  g_assert_nonnull (strstr (dump, " -kernel "));
  g_assert_nonnull (strstr (dump, "vnc.sock"));
  g_clear_pointer (&dump, g_free);

  /* network: switch and MAC; by directory this time */
  {
    g_autofree char *dir = g_build_filename (f->base, "lab", "net", "router", NULL);

    hg_window_select_vm (f->window, dir, FALSE);
    wait_loaded (f);
  }
  assert_details_show (f, "title: router\n", 1000);
  assert_details_show (f, "network: vde on switch lab0", 1000);
  assert_details_show (f, "MAC 52:54:00:12:34:56", 1000);

  /* a name not in the library is said, not ignored */
  hg_window_select_vm (f->window, "no-such-vm", FALSE);
  wait_loaded (f);
  g_assert_true (gtk_info_bar_get_revealed (f->window->message_bar));
  g_assert_nonnull (strstr (gtk_label_get_text (f->window->message_label), "no-such-vm"));
}

static void
test_dir_added (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(HgVmConfig) config = NULL;
  g_autofree char *dir = NULL;

  if (f->window == NULL)
    return;
  /* a VM directory copied into a folder shows up (GFileMonitor) */
  config = plain_vm ("newcomer", "riscv64");
  save_vm (config, f->base, "lab/net", "newcomer");
  assert_tree_shows (f, "      newcomer [riscv64, tcg] stopped\n      router", TRUE, LOAD_MS);

  /* and one in a new folder of the base */
  g_clear_pointer (&config, hg_vm_config_unref);
  config = plain_vm ("elsewhere", "x86_64");
  save_vm (config, f->base, "new-folder", "elsewhere");
  assert_tree_shows (f, "  new-folder/\n    elsewhere [x86_64, tcg] stopped\n", TRUE, LOAD_MS);

  /* removed on disk: gone from the tree, its empty folder too */
  dir = g_build_filename (f->base, "new-folder", NULL);
  hg_test_remove_tree (dir);
  assert_tree_shows (f, "new-folder", FALSE, LOAD_MS);
  assert_tree_shows (f, "newcomer", TRUE, 1);
}

static GtkWidget *
find_text_view (GtkWidget *widget)
{
  g_autoptr(GList) children = NULL;

  if (GTK_IS_TEXT_VIEW (widget))
    return widget;
  if (!GTK_IS_CONTAINER (widget))
    return NULL;
  children = gtk_container_get_children (GTK_CONTAINER (widget));
  for (GList *l = children; l != NULL; l = l->next)
    {
      GtkWidget *found = find_text_view (l->data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* "Import…": the dialog for a chosen file shows the report; Import writes
 * the VM, which appears in the tree; a file that cannot be imported gives
 * no dialog */
static void
test_import (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *bad = NULL;
  GtkWidget *dialog;
  GtkWidget *view;

  if (f->window == NULL)
    return;
  dir = g_dir_make_tmp ("hgimport-XXXXXX", &error);
  g_assert_no_error (error);
  conf = g_build_filename (dir, "ubuntu.conf", NULL);
  g_file_set_contents (conf, "#!/usr/bin/quickemu --vm\nguest_os=\"linux\"\n"
                             "disk_img=\"ubuntu/disk.qcow2\"\nram=\"128M\"\ncpu_cores=\"1\"\n",
                       -1, &error);
  g_assert_no_error (error);
  bad = g_build_filename (dir, "bad.vmx", NULL);
  g_file_set_contents (bad, "displayName = \"x\"\nmemsize \"64\"\n", -1, &error);
  g_assert_no_error (error);

  g_assert_null (hg_import_dialog_open_file (f->window, bad));

  dialog = hg_import_dialog_open_file (f->window, conf);
  g_assert_nonnull (dialog);
  hg_test_ui_flush ();
  view = find_text_view (dialog);
  g_assert_nonnull (view);
  {
    GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
    GtkTextIter start, end;
    g_autofree char *text = NULL;

    gtk_text_buffer_get_bounds (buffer, &start, &end);
    text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
    g_assert_nonnull (strstr (text, "(quickemu) → VM “ubuntu”"));
    g_assert_nonnull (strstr (text, "disk_img=ubuntu/disk.qcow2"));
  }
  if (g_getenv ("HANGAR_TEST_SCREENSHOTS") != NULL)
    hg_test_ui_save_screenshot (dialog, "import-dialog");
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  assert_tree_shows (f, "ubuntu [x86_64", TRUE, LOAD_MS);
  hg_test_remove_tree (dir);
}

static int
run_hangarctl (Fixture    *f,
               const char *command,
               const char *label)
{
  g_autofree char *hangarctl = hg_test_hangarctl_path ();
  const char *argv[] = { hangarctl, "--base", f->base, command, label, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_nonnull (hangarctl);
  status = hg_test_run (argv, &out, &err, 60000);
  g_test_message ("hangarctl %s %s: %d %s%s", command, label, status, out, err);
  return status;
}

static HgVm *
window_vm (Fixture    *f,
           const char *label)
{
  g_autofree char *path = g_strdup_printf ("%s/%s/%s.hangar", f->base, label, label);
  HgVm *vm = hg_vm_manager_lookup (f->window->manager, path);

  g_assert_nonnull (vm);
  return vm;
}

static void
activate_vm_action (Fixture    *f,
                    const char *name,
                    GVariant   *param)
{
  GActionGroup *group = gtk_widget_get_action_group (GTK_WIDGET (f->window), "vm");

  g_assert_nonnull (group);
  g_assert_true (g_action_group_get_action_enabled (group, name));
  g_action_group_activate_action (group, name, param);
}

typedef struct {
  Fixture    *f;
  const char *needle;
} MessageWait;

static gboolean
message_shows (gpointer data)
{
  MessageWait *w = data;

  return gtk_info_bar_get_revealed (w->f->window->message_bar) &&
         strstr (gtk_label_get_text (w->f->window->message_label), w->needle) != NULL;
}

/* Saves base/label, a VM booting from the qcow2 disk already in its
 * folder, and selects it once the tree shows it */
static void
select_disk_vm (Fixture    *f,
                const char *label,
                const char *disk)
{
  g_autoptr(HgVmConfig) config = plain_vm (label, "x86_64");
  g_autofree char *row = g_strdup_printf ("%s [x86_64, tcg] stopped", label);

  g_ptr_array_add (config->disks, hg_disk_new (disk, "qcow2", NULL));
  config->boot_mode = HG_BOOT_DISK;
  save_vm (config, f->base, NULL, label);
  assert_tree_shows (f, row, TRUE, LOAD_MS);
  hg_window_select_vm (f->window, label, FALSE);
  wait_loaded (f);
}

/* A folder from someone else whose disk is backed by /etc/shadow: the
 * window's start refuses it, saying which image and which file */
static void
test_hostile_start (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");
  g_autofree char *dir = NULL;
  g_autofree char *disk = NULL;
  MessageWait wait = { f, "/etc/shadow" };
  const char *label;

  if (f->window == NULL)
    return;
  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  dir = g_build_filename (f->base, "hostile", NULL);
  disk = g_build_filename (dir, "evil.qcow2", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  {
    const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", "-u", "-b", "/etc/shadow",
                           "-F", "raw", disk, "16M", NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (hg_test_run (argv, &out, &err, 30000), ==, 0);
  }
  select_disk_vm (f, "hostile", "evil.qcow2");

  activate_vm_action (f, "start", g_variant_new_string ("default"));
  g_assert_true (hg_test_wait_until (message_shows, &wait, STATE_MS));
  label = gtk_label_get_text (f->window->message_label);
  g_test_message ("%s", label);
  g_assert_nonnull (strstr (label, "evil.qcow2: refused: its backing file “/etc/shadow” is outside "
                                   "the VM's folder"));
  hg_test_ui_save_screenshot (GTK_WIDGET (f->window), "window-hostile-start");
  assert_tree_shows (f, "hostile [x86_64, tcg] stopped", TRUE, STATE_MS);
  g_assert_false (hg_vm_is_active (window_vm (f, "hostile")));
}

/* A QEMU that does not answer (SIGSTOP here) is shown "not responding" in
 * the tree and the details, as hangarctl list says, and running again once
 * it answers (SIGCONT) */
static void
test_not_responding (Fixture       *f,
                     gconstpointer  data)
{
  HgVm *vm;
  GPid pid;

  if (f->window == NULL)
    return;
  hg_window_select_vm (f->window, "tiny", FALSE);
  wait_loaded (f);
  g_assert_cmpint (run_hangarctl (f, "start", "tiny"), ==, 0);
  vm = window_vm (f, "tiny");
  g_assert_true (hg_test_wait_until (has_pid, vm, STATE_MS));
  pid = hg_vm_get_pid (vm);
  remember_pid (pid);
  g_assert_true (hg_test_wait_until (has_qmp, vm, STATE_MS));
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);
  assert_details_show (f, "runtime: running — pid ", STATE_MS);

  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  assert_tree_shows (f, "tiny [x86_64, tcg] not-responding", TRUE, 10000);
  assert_details_show (f, "runtime: not responding — pid ", 10000);
  hg_test_ui_save_screenshot (GTK_WIDGET (f->window), "window-not-responding");
  /* still attached and still ours: the same pid, nothing declared stopped */
  g_assert_true (hg_vm_is_active (vm));
  g_assert_cmpint (hg_vm_get_pid (vm), ==, pid);

  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, 10000);
  assert_details_show (f, "runtime: running — pid ", 10000);
}

/* Details show the command line a start runs: a disk whose backing file
 * lies in the VM's folder is handed to QEMU with its base as a node of its
 * own ("backing": the base's node, not null) */
static void
test_details_backing (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *qemu_img = g_find_program_in_path ("qemu-img");
  g_autofree char *dir = NULL;
  g_autofree char *cmdline = NULL;

  if (f->window == NULL)
    return;
  if (qemu_img == NULL)
    {
      hg_test_skip_or_fail ("qemu-img is not installed");
      return;
    }
  dir = g_build_filename (f->base, "chain", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  {
    g_autofree char *base = g_build_filename (dir, "base.qcow2", NULL);
    g_autofree char *top = g_build_filename (dir, "top.qcow2", NULL);
    const char *make_base[] = { qemu_img, "create", "-q", "-f", "qcow2", base, "16M", NULL };
    const char *make_top[] = { qemu_img, "create", "-q", "-f", "qcow2", "-b", "base.qcow2",
                               "-F", "qcow2", top, NULL };

    g_assert_cmpint (hg_test_run (make_base, NULL, NULL, 30000), ==, 0);
    g_assert_cmpint (hg_test_run (make_top, NULL, NULL, 30000), ==, 0);
  }
  select_disk_vm (f, "chain", "top.qcow2");

  /* filled in once the images are checked, off the GUI thread */
  assert_details_show (f, "base.qcow2", STATE_MS);
  cmdline = hg_details_view_dup_command_line (f->window->details);
  g_test_message ("%s", cmdline);
  g_assert_nonnull (strstr (cmdline, "top.qcow2"));
  g_assert_nonnull (strstr (cmdline, "\"backing\":\"disk0-b1\""));
  g_assert_nonnull (strstr (cmdline, "\"node-name\":\"disk0-b1\""));

  /* the base gone: the error a start would give, in place of the command line */
  g_clear_pointer (&cmdline, g_free);
  {
    g_autofree char *base = g_build_filename (dir, "base.qcow2", NULL);
    g_assert_cmpint (g_unlink (base), ==, 0);
  }
  hg_window_select_vm (f->window, "tiny", FALSE);
  wait_loaded (f);
  hg_window_select_vm (f->window, "chain", FALSE);
  wait_loaded (f);
  assert_details_show (f, "cmdline: No command line: ", STATE_MS);
  cmdline = hg_details_view_dup_command_line (f->window->details);
  g_test_message ("%s", cmdline);
  g_assert_nonnull (strstr (cmdline, "top.qcow2"));
  g_assert_null (strstr (cmdline, "qemu-system"));
}

/* vm.pause is stateful: the toggle button changes its state */
static void
set_paused (Fixture  *f,
            gboolean  paused)
{
  GActionGroup *group = gtk_widget_get_action_group (GTK_WIDGET (f->window), "vm");

  g_assert_true (g_action_group_get_action_enabled (group, "pause"));
  g_action_group_change_action_state (group, "pause", g_variant_new_boolean (paused));
}

static void
test_external_start (Fixture       *f,
                     gconstpointer  data)
{
  if (f->window == NULL)
    return;
  hg_window_select_vm (f->window, "tiny", FALSE);
  wait_loaded (f);

  /* started from a terminal: the window notices, shows it running and
   * the accelerator QEMU really uses */
  g_assert_cmpint (run_hangarctl (f, "start", "tiny"), ==, 0);
  g_assert_true (hg_test_wait_until (has_pid, window_vm (f, "tiny"), STATE_MS));
  remember_pid (hg_vm_get_pid (window_vm (f, "tiny")));
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);
  assert_details_show (f, "runtime: running — pid ", STATE_MS);

  /* ... and can control it: pause and resume from the window */
  {
    HgVm *vm = window_vm (f, "tiny");

    g_assert_true (hg_test_wait_until (has_qmp, vm, STATE_MS));
  }
  set_paused (f, TRUE);
  assert_tree_shows (f, "tiny [x86_64, tcg] paused", TRUE, STATE_MS);
  set_paused (f, FALSE);
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);

  /* killed from a terminal: the window notices that too */
  g_assert_cmpint (run_hangarctl (f, "kill", "tiny"), ==, 0);
  assert_tree_shows (f, "tiny [x86_64, tcg] stopped", TRUE, STATE_MS);
  assert_details_show (f, "runtime: stopped", STATE_MS);

  /* and a second start from outside is noticed again */
  g_assert_cmpint (run_hangarctl (f, "start", "tiny"), ==, 0);
  g_assert_true (hg_test_wait_until (has_pid, window_vm (f, "tiny"), STATE_MS));
  remember_pid (hg_vm_get_pid (window_vm (f, "tiny")));
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);
}

/* Start → Start without Saving Changes: the details say the changes
 * will be discarded while it runs; stopped, they do not */
static void
test_throwaway_start (Fixture       *f,
                      gconstpointer  data)
{
  if (f->window == NULL)
    return;
  hg_window_select_vm (f->window, "tiny", FALSE);
  wait_loaded (f);

  activate_vm_action (f, "start", g_variant_new_string ("throwaway"));
  g_assert_true (hg_test_wait_until (has_pid, window_vm (f, "tiny"), STATE_MS));
  remember_pid (hg_vm_get_pid (window_vm (f, "tiny")));
  assert_details_show (f, "Changes will be discarded", STATE_MS);
  gtk_stack_set_visible_child_name (f->window->pages, "details");
  hg_test_ui_flush ();
  hg_test_ui_save_screenshot (GTK_WIDGET (f->window), "window-throwaway");
  g_assert_cmpint (run_hangarctl (f, "kill", "tiny"), ==, 0);
  assert_details_show (f, "runtime: stopped", STATE_MS);
  {
    g_autofree char *dump = hg_details_view_dump (f->window->details);

    g_assert_null (strstr (dump, "Changes will be discarded"));
  }
}

typedef struct {
  HgVncSession *session;
  guint         changes;
} StateCount;

static void
on_session_state (HgVncSession *session,
                  GParamSpec   *pspec,
                  StateCount   *count)
{
  count->changes++;
}

static gboolean
session_connected (gpointer data)
{
  return hg_vnc_session_get_state (data) == HG_VNC_SESSION_CONNECTED;
}

/* A reload (asked for, or a new VM directory seen by the file monitor)
 * while the selected VM runs with its display shown keeps that VM's HgVm
 * and its connections: the display does not flicker through a reconnect. */
static void
test_reload_keeps_display (Fixture       *f,
                           gconstpointer  data)
{
  HgVncSession *session;
  HgQmpClient *qmp;
  HgVm *vm;
  StateCount count = { NULL, 0 };
  gulong id;
  g_autoptr(HgVmConfig) config = NULL;

  if (f->window == NULL)
    return;
  hg_window_select_vm (f->window, "tiny", TRUE);
  wait_loaded (f);
  g_assert_cmpint (run_hangarctl (f, "start", "tiny"), ==, 0);
  vm = window_vm (f, "tiny");
  g_assert_true (hg_test_wait_until (has_pid, vm, STATE_MS));
  remember_pid (hg_vm_get_pid (vm));
  g_assert_true (hg_test_wait_until (has_qmp, vm, STATE_MS));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->window->pages), ==, "display");
  session = hg_vnc_view_get_session (f->window->vnc_view);
  g_assert_true (hg_test_wait_until (session_connected, session, STATE_MS));
  qmp = hg_vm_get_qmp_client (vm);
  count.session = session;
  id = g_signal_connect (session, "notify::state", G_CALLBACK (on_session_state), &count);

  /* F5 */
  hg_window_reload (f->window);
  wait_loaded (f);
  g_assert_true (window_vm (f, "tiny") == vm);
  g_assert_true (f->window->current == vm);
  g_assert_true (hg_vm_get_qmp_client (vm) == qmp);

  /* a new VM directory: the monitor reloads */
  config = plain_vm ("newcomer", "riscv64");
  save_vm (config, f->base, NULL, "newcomer");
  assert_tree_shows (f, "newcomer [riscv64, tcg] stopped", TRUE, LOAD_MS);
  g_assert_true (window_vm (f, "tiny") == vm);
  g_assert_true (hg_vm_get_qmp_client (vm) == qmp);
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, 1);
  g_assert_cmpstr (hg_vm_tree_get_selected_path (f->window->tree), ==,
                   hg_vm_get_config (vm)->path);

  /* the display stayed connected all along: no state change at all */
  g_assert_cmpint (hg_vnc_session_get_state (session), ==, HG_VNC_SESSION_CONNECTED);
  g_assert_cmpuint (count.changes, ==, 0);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->window->pages), ==, "display");
  g_signal_handler_disconnect (session, id);
}

/* ---- a copy with the same identity ------------------------------------- */

static GtkWidget *
find_button (GtkWidget  *widget,
             const char *label)
{
  g_autoptr(GList) children = NULL;

  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0)
    return widget;
  if (!GTK_IS_CONTAINER (widget))
    return NULL;
  children = gtk_container_get_children (GTK_CONTAINER (widget));
  for (GList *l = children; l != NULL; l = l->next)
    {
      GtkWidget *hit = find_button (l->data, label);
      if (hit != NULL)
        return hit;
    }
  return NULL;
}

static gboolean
details_lack (gpointer data)
{
  DetailsWait *w = data;
  g_autofree char *dump = hg_details_view_dump (w->f->window->details);

  return strstr (dump, w->needle) == NULL;
}

/* cp -r of a VM: both show the info bar naming the other; its button gives
 * the selected copy a new uuid and MACs (the original keeps its own) */
static void
test_same_identity (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *orig = NULL;
  g_autofree char *copies = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *orig_conf = NULL;
  g_autofree char *copy_conf = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(HgVmConfig) before = NULL;
  g_autoptr(HgVmConfig) after = NULL;
  g_autoptr(GError) error = NULL;
  DetailsWait w = { f, "identity: " };
  GtkWidget *button;

  if (f->window == NULL)
    return;
  orig = g_build_filename (f->base, "lab", "net", "router", NULL);
  copies = g_build_filename (f->base, "copies", NULL);
  copy = g_build_filename (copies, "router", NULL);
  orig_conf = g_build_filename (orig, "router.hangar", NULL);
  copy_conf = g_build_filename (copy, "router.hangar", NULL);
  g_assert_cmpint (g_mkdir (copies, 0700), ==, 0);
  {
    const char *argv[] = { "cp", "-r", orig, copies, NULL };
    g_assert_cmpint (hg_test_run (argv, NULL, NULL, 10000), ==, 0);
  }
  hg_window_reload (f->window);
  wait_loaded (f);

  hg_window_select_vm (f->window, orig, FALSE);
  wait_loaded (f);
  expected = g_strdup_printf ("identity: This VM has the same identity (uuid) as %s", copy_conf);
  assert_details_show (f, expected, 1000);
  g_clear_pointer (&expected, g_free);
  hg_window_select_vm (f->window, copy, FALSE);
  wait_loaded (f);
  expected = g_strdup_printf ("identity: This VM has the same identity (uuid) as %s", orig_conf);
  assert_details_show (f, expected, 1000);

  button = find_button (GTK_WIDGET (f->window->details), "Give This Copy a New Identity");
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_visible (button));
  gtk_button_clicked (GTK_BUTTON (button));
  /* reloaded: no bar for either of them */
  g_assert_true (hg_test_wait_until (details_lack, &w, LOAD_MS));
  assert_details_show (f, "title: router\n", 1000);
  g_assert_cmpstr (hg_vm_tree_get_selected_path (f->window->tree), ==, copy_conf);
  hg_window_select_vm (f->window, orig, FALSE);
  wait_loaded (f);
  g_assert_true (hg_test_wait_until (details_lack, &w, 1000));

  before = hg_vm_config_load (orig_conf, &error);
  g_assert_no_error (error);
  after = hg_vm_config_load (copy_conf, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (before->uuid, !=, after->uuid);
  g_assert_cmpstr (((HgNic *) g_ptr_array_index (before->nics, 0))->mac, ==, "52:54:00:12:34:56");
  g_assert_cmpstr (((HgNic *) g_ptr_array_index (after->nics, 0))->mac, !=, "52:54:00:12:34:56");
}

/* `hangar --display tiny` with tiny running: its display connects before
 * the library is loaded, and the tree adopts that same HgVm (one QMP
 * connection, no reconnect of the display). */
static void
test_display_early (Fixture       *f,
                    gconstpointer  data)
{
  const char *bases[] = { NULL, NULL };
  HgVncSession *session;
  HgVm *early;
  StateCount count = { NULL, 0 };
  gulong id;

  if (f->base == NULL)
    return;
  g_assert_cmpint (run_hangarctl (f, "start", "tiny"), ==, 0);
  bases[0] = f->base;
  hg_application_set_bases (app, bases);
  /* as hg_application_activate() does */
  f->window = g_object_ref_sink (hg_window_new (app));
  g_signal_connect (f->window, "library-loaded", G_CALLBACK (on_library_loaded), f);
  session = hg_vnc_view_get_session (f->window->vnc_view);
  count.session = session;
  id = g_signal_connect (session, "notify::state", G_CALLBACK (on_session_state), &count);
  hg_window_select_vm (f->window, "tiny", TRUE);
  early = f->window->current;
  g_assert_nonnull (early);
  g_assert_cmpuint (f->loads, ==, 0);
  gtk_stack_set_transition_type (f->window->pages, GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_window_present (GTK_WINDOW (f->window));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->window->pages), ==, "display");

  g_assert_true (hg_test_wait_until (has_pid, early, STATE_MS));
  remember_pid (hg_vm_get_pid (early));
  g_assert_true (hg_test_wait_until (session_connected, session, STATE_MS));
  g_assert_true (hg_test_wait_until (loads_reached, f, LOAD_MS));
  g_assert_true (window_vm (f, "tiny") == early);
  g_assert_true (f->window->current == early);
  g_assert_nonnull (hg_vm_get_qmp_client (early));
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);
  g_assert_cmpstr (hg_vm_tree_get_selected_path (f->window->tree), ==,
                   hg_vm_get_config (early)->path);
  /* connecting, connected: nothing else */
  g_assert_cmpint (hg_vnc_session_get_state (session), ==, HG_VNC_SESSION_CONNECTED);
  g_assert_cmpuint (count.changes, ==, 2);
  g_signal_handler_disconnect (session, id);
}

typedef struct {
  char *id;
  char *title;
  char *body;
} Notified;

static gboolean
on_send_notification (HgNotifier    *notifier,
                      const char    *id,
                      const char    *title,
                      const char    *body,
                      GNotification *notification,
                      Notified      *got)
{
  /* taken here, never sent to a desktop that a test machine lacks */
  g_free (got->id);
  got->id = g_strdup (id);
  g_free (got->title);
  g_free (got->body);
  got->title = g_strdup (title);
  got->body = g_strdup (body);
  return TRUE;
}

static Notified notified;

static void
test_lifetime (Fixture       *f,
               gconstpointer  data)
{
  Notified *got = &notified;
  GPid pid;

  if (f->base == NULL)
    return;
  /* running before the window opens: shown running, controllable */
  g_assert_cmpint (run_hangarctl (f, "start", "tiny"), ==, 0);
  open_window (f);
  hg_window_select_vm (f->window, "tiny", FALSE);
  wait_loaded (f);
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);
  g_assert_true (hg_test_wait_until (has_qmp, window_vm (f, "tiny"), STATE_MS));
  set_paused (f, TRUE);
  assert_tree_shows (f, "tiny [x86_64, tcg] paused", TRUE, STATE_MS);
  set_paused (f, FALSE);
  assert_tree_shows (f, "tiny [x86_64, tcg] running", TRUE, STATE_MS);
  pid = hg_vm_get_pid (window_vm (f, "tiny"));
  g_assert_cmpint (pid, >, 0);
  remember_pid (pid);
  g_assert_cmpuint (hg_window_count_running (f->window), ==, 1);

  /* closing the window leaves it running, and says so */
  g_clear_pointer (&got->id, g_free);
  gtk_window_close (GTK_WINDOW (f->window));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->window)));
  g_clear_object (&f->window);
  /* the last one: closing the window is no VM stopping */
  g_assert_cmpstr (got->id, ==, "vms-running");
  g_assert_cmpstr (got->title, ==, "A VM keeps running");
  g_assert_nonnull (strstr (got->body, "1 VM goes on running"));
  g_assert_cmpint (kill (pid, 0), ==, 0);
  /* hangarctl still finds it running */
  g_assert_cmpint (run_hangarctl (f, "pause", "tiny"), ==, 0);
}

/* ---- end to end: the demo VM from the window ----------------------------- */

static gboolean
network_view_shows_demo (gpointer data)
{
  HgWindow *window = data;
  g_autofree char *dump = NULL;

  if (window->network_view == NULL || !gtk_widget_get_mapped (GTK_WIDGET (window->network_view)))
    return FALSE;
  dump = hg_network_view_dump (window->network_view);
  return strstr (dump, "lab0") != NULL && strstr (dump, "demo") != NULL;
}

/* The guest's shell on the VGA screen too: text in the lower half of the
 * framebuffer (SeaBIOS and iPXE write only the upper part) */
static gboolean
display_shows_shell (gpointer data)
{
  HgWindow *window = data;
  g_autoptr(GdkPixbuf) pixbuf = vnc_display_get_pixbuf (hg_vnc_view_get_display (window->vnc_view));
  int width, height, stride, channels;
  const guchar *pixels;
  guint lit = 0;

  if (pixbuf == NULL)
    return FALSE;
  width = gdk_pixbuf_get_width (pixbuf);
  height = gdk_pixbuf_get_height (pixbuf);
  stride = gdk_pixbuf_get_rowstride (pixbuf);
  channels = gdk_pixbuf_get_n_channels (pixbuf);
  pixels = gdk_pixbuf_read_pixels (pixbuf);
  for (int y = height * 11 / 20; y < height; y++)
    for (int x = 0; x < width; x++)
      if (pixels[y * stride + x * channels + 1] > 128)
        lit++;
  return lit > 1000;
}

static void
test_demo_end_to_end (Fixture       *f,
                      gconstpointer  data)
{
  gint64 started;

  if (f->window == NULL)
    return;
  hg_window_select_vm (f->window, "demo", FALSE);
  wait_loaded (f);
  g_assert_cmpstr (hg_details_view_get_title (f->window->details), ==, "demo");
  save_screenshot (f, "main-window");

  /* Start, as the header bar's button does */
  started = g_get_monotonic_time ();
  activate_vm_action (f, "start", g_variant_new_string ("default"));
  /* a VNC console: the display page comes to the front */
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->window->pages), ==, "display");
  g_assert_true (hg_test_wait_until (has_pid, window_vm (f, "demo"), STATE_MS));
  remember_pid (hg_vm_get_pid (window_vm (f, "demo")));

  hg_test_ui_assert_picture (f->window, window_vm (f, "demo"), FALSE, BOOT_MS);
  g_test_message ("first picture after %.1f s", (g_get_monotonic_time () - started) / 1e6);
  hg_test_ui_assert_serial (f->window->serial_view, DEMO_BANNER, BOOT_MS);
  g_test_message ("banner after %.1f s", (g_get_monotonic_time () - started) / 1e6);
  assert_tree_shows (f, "demo [x86_64, tcg] running", TRUE, STATE_MS);
  assert_details_show (f, " · tcg", STATE_MS);

  /* screenshots of what a user sees: boot text, shell prompt, networks */
  if (g_getenv ("HANGAR_SCREENSHOT_DIR") != NULL)
    {
      g_assert_true (hg_test_ui_wait_serial (f->window->serial_view, "# ", BOOT_MS));
      /* the VGA console may lag behind the serial one */
      if (!hg_test_wait_until (display_shows_shell, f->window, 30000))
        g_test_message ("the display shows no shell text yet");
      save_screenshot (f, "display");
      gtk_stack_set_visible_child_name (f->window->pages, "serial");
      save_screenshot (f, "serial");
      gtk_stack_set_visible_child_name (f->window->pages, "details");
      save_screenshot (f, "details-running");
    }
  gtk_stack_set_visible_child_name (f->window->pages, "networks");
  if (!hg_test_wait_until (network_view_shows_demo, f->window, 10000))
    {
      g_autofree char *dump = hg_network_view_dump (f->window->network_view);
      g_error ("the networks page does not show the demo VM on lab0:\n%s", dump);
    }
  save_screenshot (f, "networks");

  /* stopped again: the accelerator column shows the configured one */
  kill_with_hangarctl (f, "demo");
  assert_tree_shows (f, "demo [x86_64, auto] stopped", TRUE, STATE_MS);
}

/* ASan builds: full malloc stacks, so that tests/lsan-ui.supp can name
 * what GTK and GLib keep on purpose (the fast unwinder stops in GLib).
 * Read by the sanitizer runtime; unused otherwise. */
const char *__asan_default_options (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  const char *localedir = g_getenv ("HANGAR_LOCALEDIR");
  int status;

  /* LANGUAGE=de with HANGAR_LOCALEDIR=BUILD/po: the German screenshots */
  setlocale (LC_ALL, "");
  /* as main.c: messages in UTF-8 whatever the locale's charset */
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  gtk_test_init (&argc, &argv, NULL);
  /* gtk_test_init fixes an English locale; the German screenshots want
   * the environment's */
  if (localedir != NULL)
    setlocale (LC_ALL, "");

  app = hg_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  signal (SIGABRT, on_fatal_signal);
  signal (SIGTRAP, on_fatal_signal);
  g_signal_connect (hg_application_get_notifier (app), "send-notification",
                    G_CALLBACK (on_send_notification), &notified);
  /* screenshots without half-done transitions */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add ("/hangar/ui/window/tree", Fixture, NULL, fixture_setup, test_tree, fixture_teardown);
  g_test_add ("/hangar/ui/window/filter", Fixture, NULL, fixture_setup, test_filter, fixture_teardown);
  g_test_add ("/hangar/ui/window/details", Fixture, NULL, fixture_setup, test_details, fixture_teardown);
  g_test_add ("/hangar/ui/window/same-identity", Fixture, NULL, fixture_setup, test_same_identity,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/dir-added", Fixture, NULL, fixture_setup, test_dir_added, fixture_teardown);
  g_test_add ("/hangar/ui/window/import", Fixture, NULL, fixture_setup, test_import, fixture_teardown);
  g_test_add ("/hangar/ui/window/hostile-start", Fixture, NULL, fixture_setup, test_hostile_start,
              fixture_teardown);
  g_test_add ("/hangar/ui/window/details-backing", Fixture, NULL, fixture_setup,
              test_details_backing, fixture_teardown);
  g_test_add ("/hangar/ui/window/not-responding", Fixture, NULL, fixture_setup,
              test_not_responding, fixture_teardown);
  g_test_add ("/hangar/ui/window/external-start", Fixture, NULL, fixture_setup,
              test_external_start, fixture_teardown);
  g_test_add ("/hangar/ui/window/throwaway-start", Fixture, NULL, fixture_setup,
              test_throwaway_start, fixture_teardown);
  g_test_add ("/hangar/ui/window/reload-keeps-display", Fixture, NULL, fixture_setup,
              test_reload_keeps_display, fixture_teardown);
  g_test_add ("/hangar/ui/window/display-early", Fixture, "no window", fixture_setup,
              test_display_early, fixture_teardown);
  g_test_add ("/hangar/ui/window/lifetime", Fixture, "no window", fixture_setup,
              test_lifetime, fixture_teardown);
  g_test_add ("/hangar/ui/window/demo-end-to-end", Fixture, NULL, fixture_setup,
              test_demo_end_to_end, fixture_teardown);

  status = g_test_run ();
  g_clear_pointer (&notified.id, g_free);
  g_clear_pointer (&notified.title, g_free);
  g_clear_pointer (&notified.body, g_free);
  g_clear_object (&app);
  return status;
}
