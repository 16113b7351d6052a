/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-cli"
#include "config.h"

#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hangarctl.h"
#include "hangarctl-private.h"
#include "hg-ctys.h"
#include "hg-host.h"
#include "hg-library.h"
#include "hg-vm-config.h"

/*
 * hangarctl create --label NAME ...   (ctys --auto-all)
 * hangarctl import-ctys FILE [--base DIR] [--folder PATH] [--label NAME] [--in-place]
 */

/* ---- create ----------------------------------------------------------------- */

typedef struct {
  char    *label;
  char    *dir;
  char    *folder;
  char    *arch;
  char    *machine;
  char    *cpu;
  char    *memory;
  char    *cpus;
  char    *accel;
  char    *disk_size;
  char    *disk;
  char    *iso;
  char    *kernel;
  char    *initrd;
  char    *append;
  char    *boot;
  char    *net;
  char    *switch_name;
  char    *tap;
  char    *mac;
  char    *nic_model;
  char    *console;
  char    *keymap;
  char    *os;
  gboolean copy_in;
  char   **local_bases;
} CreateOptions;

static void
create_options_clear (CreateOptions *o)
{
  g_free (o->label);
  g_free (o->dir);
  g_free (o->folder);
  g_free (o->arch);
  g_free (o->machine);
  g_free (o->cpu);
  g_free (o->memory);
  g_free (o->cpus);
  g_free (o->accel);
  g_free (o->disk_size);
  g_free (o->disk);
  g_free (o->iso);
  g_free (o->kernel);
  g_free (o->initrd);
  g_free (o->append);
  g_free (o->boot);
  g_free (o->net);
  g_free (o->switch_name);
  g_free (o->tap);
  g_free (o->mac);
  g_free (o->nic_model);
  g_free (o->console);
  g_free (o->keymap);
  g_free (o->os);
  g_strfreev (o->local_bases);
}

/* An unsigned decimal in [min, max] */
static gboolean
parse_uint (const char *flag,
            const char *text,
            guint64     min,
            guint64     max,
            guint64    *out)
{
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (text, 10, min, max, out, &error))
    {
      hg_cli_error ("create", _("%s: '%s' is not a number from %" G_GUINT64_FORMAT
                                " to %" G_GUINT64_FORMAT), flag, text, min, max);
      return FALSE;
    }
  return TRUE;
}

#define MIN_DISK_BYTES (G_GUINT64_CONSTANT (1) << 20)
#define MAX_DISK_BYTES (G_GUINT64_CONSTANT (64) << 40)

/* "8G", "512M", "20GiB", "1T", "0", "none"; a bare number is bytes, as
 * with qemu-img.  *out = 0: no disk. */
static gboolean
parse_disk_size (const char *text,
                 guint64    *out)
{
  guint64 number, factor = 1;
  char *end = NULL;
  const char *suffix;

  if (g_ascii_strcasecmp (text, "none") == 0)
    {
      *out = 0;
      return TRUE;
    }
  if (!g_ascii_isdigit (text[0]))
    goto bad;
  errno = 0;
  number = g_ascii_strtoull (text, &end, 10);
  if (errno != 0)
    goto bad;
  suffix = end;
  if (*suffix != '\0')
    {
      switch (g_ascii_toupper (*suffix))
        {
        case 'K': factor = G_GUINT64_CONSTANT (1) << 10; break;
        case 'M': factor = G_GUINT64_CONSTANT (1) << 20; break;
        case 'G': factor = G_GUINT64_CONSTANT (1) << 30; break;
        case 'T': factor = G_GUINT64_CONSTANT (1) << 40; break;
        default: goto bad;
        }
      suffix++;
      if (g_ascii_strcasecmp (suffix, "") != 0 && g_ascii_strcasecmp (suffix, "B") != 0 &&
          g_ascii_strcasecmp (suffix, "iB") != 0)
        goto bad;
    }
  if (number == 0)
    {
      *out = 0;
      return TRUE;
    }
  if (number > MAX_DISK_BYTES / factor || number * factor > MAX_DISK_BYTES)
    {
      hg_cli_error ("create", _("--disk-size: %s is larger than 64T"), text);
      return FALSE;
    }
  if (number * factor < MIN_DISK_BYTES)
    {
      hg_cli_error ("create", _("--disk-size: %s is smaller than 1M (a bare number counts "
                                "bytes; write e.g. 8G)"), text);
      return FALSE;
    }
  *out = number * factor;
  return TRUE;

bad:
  hg_cli_error ("create", _("--disk-size: '%s' is not a size like 8G, 512M or 0 (no disk)"), text);
  return FALSE;
}

/* A sub-folder below the base: relative, no "..", nothing hidden */
static gboolean
folder_is_valid (const char *folder)
{
  g_auto(GStrv) parts = NULL;

  if (folder[0] == '\0')
    return TRUE;
  if (folder[0] == '/' || !g_utf8_validate (folder, -1, NULL))
    return FALSE;
  parts = g_strsplit (folder, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] == '\0' || parts[i][0] == '.')
      {
        /* a trailing slash is fine */
        if (parts[i][0] == '\0' && parts[i + 1] == NULL && i > 0)
          continue;
        return FALSE;
      }
  return TRUE;
}

/* An existing regular file named by a flag, made absolute */
static char *
existing_file (const char *flag,
               const char *path,
               int        *status)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);

  if (!g_file_test (abs, G_FILE_TEST_EXISTS))
    {
      hg_cli_error ("create", _("%s %s: no such file"), flag, abs);
      *status = HG_EXIT_NOT_FOUND;
      return NULL;
    }
  if (!g_file_test (abs, G_FILE_TEST_IS_REGULAR))
    {
      hg_cli_error ("create", _("%s %s: not a regular file"), flag, abs);
      *status = HG_EXIT_USAGE;
      return NULL;
    }
  return g_steal_pointer (&abs);
}

static char *
find_qemu_img (void)
{
  const char *dir = g_getenv ("HANGAR_QEMU_DIR");

  if (dir != NULL && dir[0] != '\0')
    {
      g_autofree char *path = g_build_filename (dir, "qemu-img", NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&path);
    }
  return g_find_program_in_path ("qemu-img");
}

/* Runs argv, returning stdout; on failure an error with its stderr */
static char *
run_tool (const char * const *argv,
          GError            **error)
{
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                  G_SUBPROCESS_FLAGS_STDIN_INHERIT, error);
  if (proc == NULL)
    return NULL;
  if (!g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, error))
    return NULL;
  if (!g_subprocess_get_successful (proc))
    {
      g_strstrip (err);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s %s: %s", argv[0], argv[1],
                   err != NULL && err[0] != '\0' ? err : _("failed"));
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* The format of an existing image, as qemu-img sees it */
static char *
image_format (const char  *qemu_img,
              const char  *image,
              GError     **error)
{
  const char *argv[] = { qemu_img, "info", "--output=json", "-U", image, NULL };
  g_autofree char *out = run_tool (argv, error);
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonObject *obj;

  if (out == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, out, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  obj = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  if (obj == NULL || !json_object_has_member (obj, "format"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   _("qemu-img info %s did not name a format"), image);
      return NULL;
    }
  return g_strdup (json_object_get_string_member (obj, "format"));
}

/* rm -r of a directory we made, never following symlinks */
static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (!S_ISDIR (st.st_mode))
    {
      g_unlink (path);
      return;
    }
  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      remove_tree (child);
    }
  g_rmdir (path);
}

/* mkdir -p that remembers the first folder it made (to undo) */
static gboolean
make_parents (const char  *dir,
              char       **out_first_made,
              GError     **error)
{
  g_autofree char *probe = g_strdup (dir);
  g_autofree char *first = NULL;

  while (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (probe);

      g_free (first);
      first = g_steal_pointer (&probe);
      probe = parent;
      if (g_str_equal (probe, first))
        break;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int errsv = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("cannot create folder %s: %s"), dir, g_strerror (errsv));
      return FALSE;
    }
  *out_first_made = g_steal_pointer (&first);
  return TRUE;
}

static void
undo_parents (const char *dir,
              const char *first_made)
{
  g_autofree char *p = g_strdup (dir);

  if (first_made == NULL)
    return;
  /* rmdir only: a folder that got something else in the meantime stays */
  while (g_rmdir (p) == 0 && !g_str_equal (p, first_made))
    {
      char *parent = g_path_get_dirname (p);
      g_free (p);
      p = parent;
    }
}

/* Copies a file into the VM directory under its own name */
static char *
copy_in (const char  *src,
         const char  *vm_dir,
         GHashTable  *taken,
         GError     **error)
{
  g_autofree char *name = g_path_get_basename (src);
  g_autofree char *dest = NULL;
  g_autoptr(GFile) from = g_file_new_for_path (src);
  g_autoptr(GFile) to = NULL;

  if (!g_hash_table_add (taken, g_strdup (name)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _("--copy-in: two files are called %s"), name);
      return NULL;
    }
  dest = g_build_filename (vm_dir, name, NULL);
  to = g_file_new_for_path (dest);
  if (!g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, error))
    return NULL;
  return g_steal_pointer (&name);
}

static void
unknown_value (const char *flag,
               const char *value,
               const char *choices)
{
  hg_cli_error ("create", _("%s: unknown value '%s' (%s)"), flag, value, choices);
}

/* Builds the config from the flags; nothing on disk yet. */
static HgVmConfig *
config_from_options (CreateOptions *o,
                     int           *status)
{
  g_autoptr(HgVmConfig) c = NULL;
  g_autoptr(GError) error = NULL;
  HgAccel accel = HG_ACCEL_AUTO;
  HgBootMode boot = HG_BOOT_DISK;
  HgNetMode net = HG_NET_USER;
  HgConsole console = HG_CONSOLE_VNC;
  guint64 memory = 0, cpus = 1;

  *status = HG_EXIT_USAGE;
  if (o->label == NULL)
    {
      hg_cli_error ("create", _("--label is required: the VM's name"));
      return NULL;
    }
  if (!hg_label_is_valid (o->label, &error))
    {
      hg_cli_error ("create", "--label: %s", error->message);
      return NULL;
    }
  if (o->arch != NULL && !hg_host_arch_is_known (o->arch))
    {
      g_autofree char *known = g_strjoinv (" ", (char **) hg_host_known_arches ());
      hg_cli_error ("create", _("--arch: unknown architecture '%s' (%s)"), o->arch, known);
      return NULL;
    }
  if (o->memory != NULL && !parse_uint ("--memory", o->memory, 1, HG_CONFIG_MAX_MEMORY_MIB, &memory))
    return NULL;
  if (o->cpus != NULL && !parse_uint ("--cpus", o->cpus, 1, HG_CONFIG_MAX_CPUS, &cpus))
    return NULL;
  if (o->accel != NULL && !hg_accel_from_string (o->accel, &accel))
    {
      unknown_value ("--accel", o->accel, "auto, kvm, tcg");
      return NULL;
    }
  if (o->boot != NULL && !hg_boot_mode_from_string (o->boot, &boot))
    {
      unknown_value ("--boot", o->boot, "disk, cdrom, pxe, kernel, floppy, usb");
      return NULL;
    }
  if (o->net != NULL && !hg_net_mode_from_string (o->net, &net))
    {
      unknown_value ("--net", o->net, "user, vde, tap, none");
      return NULL;
    }
  if (o->console != NULL && !hg_console_from_string (o->console, &console))
    {
      unknown_value ("--console", o->console, "vnc, sdl, serial, none");
      return NULL;
    }
  if (o->mac != NULL && !hg_mac_is_valid (o->mac))
    {
      hg_cli_error ("create", _("--mac: '%s' is not a unicast MAC address like 52:54:00:12:34:56"),
                    o->mac);
      return NULL;
    }
  if (o->net == NULL && o->switch_name != NULL)
    net = HG_NET_VDE;
  if (o->net == NULL && o->tap != NULL)
    net = HG_NET_TAP;
  if (o->switch_name != NULL && net != HG_NET_VDE)
    {
      hg_cli_error ("create", _("--switch is for --net vde"));
      return NULL;
    }
  if (o->tap != NULL && net != HG_NET_TAP)
    {
      hg_cli_error ("create", _("--tap is for --net tap"));
      return NULL;
    }
  if (net == HG_NET_NONE && (o->mac != NULL || o->nic_model != NULL))
    {
      hg_cli_error ("create", _("--mac and --nic-model need a network (--net none has none)"));
      return NULL;
    }
  /* the default boot mode: what there is to boot from */
  if (o->boot == NULL)
    {
      gboolean has_disk = o->disk != NULL ||
                          (o->disk_size != NULL && g_ascii_isdigit (o->disk_size[0]) &&
                           g_ascii_strtoull (o->disk_size, NULL, 10) > 0);

      if (o->kernel != NULL)
        boot = HG_BOOT_KERNEL;
      else if (o->iso != NULL)
        boot = HG_BOOT_CDROM;
      else if (!has_disk && net != HG_NET_NONE)
        boot = HG_BOOT_PXE;
      else
        boot = HG_BOOT_DISK;
    }
  if (boot == HG_BOOT_KERNEL && o->kernel == NULL)
    {
      hg_cli_error ("create", _("--boot kernel needs --kernel FILE"));
      return NULL;
    }
  if (boot == HG_BOOT_CDROM && o->iso == NULL)
    {
      hg_cli_error ("create", _("--boot cdrom needs --iso FILE"));
      return NULL;
    }
  if (o->kernel == NULL && (o->initrd != NULL || o->append != NULL))
    {
      hg_cli_error ("create", _("--initrd and --append need --kernel"));
      return NULL;
    }
  if (o->disk != NULL && o->disk_size != NULL)
    {
      hg_cli_error ("create", _("--disk (an existing image) and --disk-size (a new one) "
                                "exclude each other"));
      return NULL;
    }
  if (o->folder != NULL && !folder_is_valid (o->folder))
    {
      hg_cli_error ("create", _("--folder: '%s' must be a relative path without “..” or "
                                "hidden parts"), o->folder);
      return NULL;
    }

  c = hg_vm_config_new (o->label);
  if (o->arch != NULL)
    {
      g_free (c->arch);
      c->arch = g_strdup (o->arch);
    }
  c->machine = g_strdup (o->machine);
  c->cpu_model = g_strdup (o->cpu);
  c->accel = accel;
  c->memory_mib = memory != 0 ? (guint) memory : boot == HG_BOOT_KERNEL ? 512 : 1024;
  c->cpus = (guint) cpus;
  c->boot_mode = boot;
  c->console = console;
  c->keymap = g_strdup (o->keymap);
  c->os_id = g_strdup (o->os);
  c->append = g_strdup (o->append);
  if (net != HG_NET_NONE)
    {
      HgNic *nic = hg_nic_new (net);

      if (o->mac != NULL)
        {
          g_free (nic->mac);
          nic->mac = g_ascii_strdown (o->mac, -1);
        }
      if (o->nic_model != NULL)
        {
          g_free (nic->model);
          nic->model = g_strdup (o->nic_model);
        }
      if (o->switch_name != NULL)
        {
          g_free (nic->switch_name);
          nic->switch_name = g_strdup (o->switch_name);
        }
      if (o->tap != NULL)
        {
          g_free (nic->tap);
          nic->tap = g_strdup (o->tap);
        }
      g_ptr_array_add (c->nics, nic);
    }
  *status = HG_EXIT_OK;
  return g_steal_pointer (&c);
}

static int
create_vm (HgCliContext  *ctx,
           CreateOptions *o)
{
  g_autoptr(HgVmConfig) c = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bases = NULL;
  g_autofree char *base = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *final_dir = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *first_made = NULL;
  g_autofree char *kernel = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *iso = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *disk_format = NULL;
  g_autofree char *qemu_img = NULL;
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint64 disk_bytes = 0;
  int status = HG_EXIT_OK;

  c = config_from_options (o, &status);
  if (c == NULL)
    return status;
  if (o->disk_size != NULL && !parse_disk_size (o->disk_size, &disk_bytes))
    return HG_EXIT_USAGE;

  /* the files it refers to */
  if (o->kernel != NULL && (kernel = existing_file ("--kernel", o->kernel, &status)) == NULL)
    return status;
  if (o->initrd != NULL && (initrd = existing_file ("--initrd", o->initrd, &status)) == NULL)
    return status;
  if (o->iso != NULL && (iso = existing_file ("--iso", o->iso, &status)) == NULL)
    return status;
  if (o->disk != NULL && (disk = existing_file ("--disk", o->disk, &status)) == NULL)
    return status;
  if (disk != NULL || disk_bytes > 0)
    {
      qemu_img = find_qemu_img ();
      if (qemu_img == NULL)
        {
          hg_cli_error ("create", _("qemu-img is not installed (needed for %s)"),
                        disk != NULL ? "--disk" : "--disk-size");
          return HG_EXIT_MISSING;
        }
    }
  if (disk != NULL)
    {
      disk_format = image_format (qemu_img, disk, &error);
      if (disk_format == NULL)
        {
          hg_cli_error ("create", "--disk %s: %s", disk, error->message);
          return HG_EXIT_FAILURE;
        }
      if (!hg_disk_format_is_known (disk_format))
        {
          hg_cli_error ("create", _("--disk %s: the image format '%s' is not one QEMU can boot "
                                    "here"), disk, disk_format);
          return HG_EXIT_USAGE;
        }
    }

  /* where */
  bases = hg_cli_effective_bases (ctx, o->local_bases, NULL);
  base = g_canonicalize_filename (o->dir != NULL ? o->dir : bases[0], NULL);
  parent = o->folder != NULL && o->folder[0] != '\0' ? g_build_filename (base, o->folder, NULL)
                                                     : g_strdup (base);
  final_dir = g_build_filename (parent, o->label, NULL);
  {
    g_autofree char *existing = hg_library_find_label (base, o->label);

    for (guint i = 0; existing == NULL && bases[i] != NULL; i++)
      existing = hg_library_find_label (bases[i], o->label);
    if (existing != NULL)
      {
        hg_cli_error ("create", _("--label: a VM named '%s' exists already: %s"), o->label, existing);
        return HG_EXIT_USAGE;
      }
    if (g_file_test (final_dir, G_FILE_TEST_EXISTS) || g_file_test (final_dir, G_FILE_TEST_IS_SYMLINK))
      {
        hg_cli_error ("create", _("--label: %s exists already"), final_dir);
        return HG_EXIT_USAGE;
      }
  }

  /* a last check of every value before anything is written */
  hg_vm_config_set_location (c, final_dir);
  if (kernel != NULL)
    c->kernel = g_strdup (kernel);
  if (initrd != NULL)
    c->initrd = g_strdup (initrd);
  if (iso != NULL)
    g_ptr_array_add (c->media, hg_medium_new (HG_MEDIUM_CDROM, iso));
  if (disk != NULL)
    g_ptr_array_add (c->disks, hg_disk_new (disk, disk_format, NULL));
  if (disk_bytes > 0)
    {
      g_autofree char *name = g_strconcat (o->label, ".qcow2", NULL);
      g_ptr_array_add (c->disks, hg_disk_new (name, "qcow2", NULL));
      g_hash_table_add (taken, g_steal_pointer (&name));
    }
  g_hash_table_add (taken, g_strconcat (o->label, HG_CONFIG_SUFFIX, NULL));
  if (!hg_vm_config_validate (c, &error))
    {
      hg_cli_error ("create", "%s", error->message);
      return HG_EXIT_USAGE;
    }

  /* build it in .<label>.tmp-XXXXXX beside the target, then rename */
  if (!make_parents (parent, &first_made, &error))
    {
      hg_cli_error ("create", "%s", error->message);
      return HG_EXIT_FAILURE;
    }
  {
    g_autofree char *template = g_strdup_printf (".%s.tmp-XXXXXX", o->label);
    g_autofree char *path = g_build_filename (parent, template, NULL);

    if (g_mkdtemp_full (path, 0755) == NULL)
      {
        int errsv = errno;
        hg_cli_error ("create", _("cannot create a folder in %s: %s"), parent, g_strerror (errsv));
        undo_parents (parent, first_made);
        return HG_EXIT_FAILURE;
      }
    tmp = g_steal_pointer (&path);
  }

  if (o->copy_in)
    {
      g_autofree char *k = NULL, *i = NULL, *m = NULL;

      if ((kernel != NULL && (k = copy_in (kernel, tmp, taken, &error)) == NULL) ||
          (initrd != NULL && (i = copy_in (initrd, tmp, taken, &error)) == NULL) ||
          (iso != NULL && (m = copy_in (iso, tmp, taken, &error)) == NULL))
        goto failed;
      if (k != NULL)
        {
          g_free (c->kernel);
          c->kernel = g_steal_pointer (&k);
        }
      if (i != NULL)
        {
          g_free (c->initrd);
          c->initrd = g_steal_pointer (&i);
        }
      if (m != NULL)
        {
          HgMedium *medium = hg_vm_config_get_medium (c, HG_MEDIUM_CDROM);
          g_free (medium->path);
          medium->path = g_steal_pointer (&m);
        }
    }
  if (disk_bytes > 0)
    {
      g_autofree char *image = g_strconcat (tmp, G_DIR_SEPARATOR_S, o->label, ".qcow2", NULL);
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, disk_bytes);
      const char *argv[] = { qemu_img, "create", "-q", "-f", "qcow2", image, size, NULL };
      g_autofree char *out = run_tool (argv, &error);

      if (out == NULL)
        goto failed;
    }

  {
    g_autofree char *config_path = g_strconcat (tmp, G_DIR_SEPARATOR_S, o->label,
                                                HG_CONFIG_SUFFIX, NULL);
    g_free (c->path);
    c->path = g_steal_pointer (&config_path);
    if (!hg_vm_config_save (c, &error))
      goto failed;
  }

  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, final_dir, RENAME_NOREPLACE) != 0)
    {
      int errsv = errno;
      g_set_error (&error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   _("cannot move the new VM to %s: %s"), final_dir, g_strerror (errsv));
      status = errsv == EEXIST ? HG_EXIT_USAGE : HG_EXIT_FAILURE;
      goto failed_status;
    }

  g_print (_("Created VM '%s': %s%s%s%s\n"), o->label, final_dir, G_DIR_SEPARATOR_S,
           o->label, HG_CONFIG_SUFFIX);
  return HG_EXIT_OK;

failed:
  status = HG_EXIT_FAILURE;
failed_status:
  hg_cli_error ("create", "%s", error->message);
  remove_tree (tmp);
  undo_parents (parent, first_made);
  return status;
}

int
hg_cli_create (HgCliContext *ctx,
            int           argc,
            char        **argv)
{
  CreateOptions o = { 0 };
  GOptionEntry entries[] = {
    { "label", 0, 0, G_OPTION_ARG_STRING, &o.label, N_("The VM's name (required): A–Z a–z 0–9 . _ -"), N_("NAME") },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &o.dir, N_("Base directory to create it in (default: the first base)"), N_("DIR") },
    { "folder", 0, 0, G_OPTION_ARG_FILENAME, &o.folder, N_("Sub-folder of the base directory"), N_("PATH") },
    { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.local_bases, N_("A base directory of the library (repeatable)"), N_("DIR") },
    { "arch", 0, 0, G_OPTION_ARG_STRING, &o.arch, N_("Guest architecture (default: the host's)"), N_("ARCH") },
    { "machine", 0, 0, G_OPTION_ARG_STRING, &o.machine, N_("QEMU machine type (default: the architecture's)"), N_("TYPE") },
    { "cpu", 0, 0, G_OPTION_ARG_STRING, &o.cpu, N_("QEMU CPU model (default: the architecture's)"), N_("MODEL") },
    { "memory", 0, 0, G_OPTION_ARG_STRING, &o.memory, N_("Memory in MiB (default 1024; 512 for kernel boot)"), N_("MIB") },
    { "cpus", 0, 0, G_OPTION_ARG_STRING, &o.cpus, N_("Number of CPUs (default 1)"), N_("N") },
    { "accel", 0, 0, G_OPTION_ARG_STRING, &o.accel, N_("auto, kvm or tcg (default auto)"), N_("ACCEL") },
    { "disk-size", 0, 0, G_OPTION_ARG_STRING, &o.disk_size, N_("Create a qcow2 disk of this size (8G, 512M; 0 = none)"), N_("SIZE") },
    { "disk", 0, 0, G_OPTION_ARG_FILENAME, &o.disk, N_("Use an existing disk image"), N_("IMAGE") },
    { "iso", 0, 0, G_OPTION_ARG_FILENAME, &o.iso, N_("CD-ROM image (install medium)"), N_("FILE") },
    { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &o.kernel, N_("Kernel for kernel boot"), N_("FILE") },
    { "initrd", 0, 0, G_OPTION_ARG_FILENAME, &o.initrd, N_("Initial ramdisk for kernel boot"), N_("FILE") },
    { "append", 0, 0, G_OPTION_ARG_STRING, &o.append, N_("Kernel command line"), N_("TEXT") },
    { "copy-in", 0, 0, G_OPTION_ARG_NONE, &o.copy_in, N_("Copy --kernel, --initrd and --iso into the VM directory"), NULL },
    { "boot", 0, 0, G_OPTION_ARG_STRING, &o.boot, N_("Default boot mode: disk, cdrom, pxe, kernel, floppy, usb"), N_("MODE") },
    { "net", 0, 0, G_OPTION_ARG_STRING, &o.net, N_("Network: user, vde, tap or none (default user)"), N_("MODE") },
    { "switch", 0, 0, G_OPTION_ARG_STRING, &o.switch_name, N_("VDE switch name (implies --net vde)"), N_("NAME") },
    { "tap", 0, 0, G_OPTION_ARG_STRING, &o.tap, N_("TAP interface (implies --net tap)"), N_("IFACE") },
    { "mac", 0, 0, G_OPTION_ARG_STRING, &o.mac, N_("MAC address (default: generated 52:54:00:…)"), N_("MAC") },
    { "nic-model", 0, 0, G_OPTION_ARG_STRING, &o.nic_model, N_("NIC model: virtio-net-pci, e1000, rtl8139 …"), N_("MODEL") },
    { "console", 0, 0, G_OPTION_ARG_STRING, &o.console, N_("vnc, sdl, serial or none (default vnc)"), N_("TYPE") },
    { "keymap", 0, 0, G_OPTION_ARG_STRING, &o.keymap, N_("VNC keymap, e.g. de"), N_("MAP") },
    { "os", 0, 0, G_OPTION_ARG_STRING, &o.os, N_("Guest OS id (libosinfo short id, e.g. debian12)"), N_("ID") },
    { NULL }
  };
  int status;

  if (!hg_cli_parse_options ("create", "", _("Creates a VM directory <label>/<label>.hangar in a base "
                                      "directory, atomically: a failure leaves nothing behind."),
                      entries, &argc, &argv))
    {
      create_options_clear (&o);
      return HG_EXIT_USAGE;
    }
  if (argc > 1)
    {
      hg_cli_error ("create", _("unexpected argument '%s' (the name is given with --label)"), argv[1]);
      create_options_clear (&o);
      return HG_EXIT_USAGE;
    }
  status = create_vm (ctx, &o);
  create_options_clear (&o);
  return status;
}

/* ---- import-ctys ------------------------------------------------------------ */

int
hg_cli_import_ctys (HgCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  g_autofree char *label = NULL;
  g_autofree char *target = NULL;
  g_autofree char *folder = NULL;
  g_auto(GStrv) local_bases = NULL;
  gboolean beside = FALSE;
  GOptionEntry entries[] = {
    { "base", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &local_bases,
      N_("Base directory to write the VM into (default: the first base of the library)"), N_("DIR") },
    { "folder", 0, 0, G_OPTION_ARG_FILENAME, &folder, N_("Sub-folder of the base directory"), N_("PATH") },
    { "label", 0, 0, G_OPTION_ARG_STRING, &label, N_("Name of the new VM (default: the ctys LABEL)"), N_("NAME") },
    { "in-place", 0, 0, G_OPTION_ARG_NONE, &beside, N_("Write the VM beside the .ctys file"), NULL },
    { NULL }
  };
  g_autoptr(HgCtysImport) import = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) bases = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *report = NULL;
  g_autofree char *abs = NULL;
  g_autofree char *existing = NULL;
  const char *base;

  if (!hg_cli_parse_options ("import-ctys", _("FILE"),
                      _("Imports a ctys .ctys VM configuration (never executed) as a Hangar VM "
                        "and reports what was taken over and what was not."),
                      entries, &argc, &argv))
    return HG_EXIT_USAGE;
  if (argc != 2)
    {
      hg_cli_error ("import-ctys", argc < 2 ? _("which .ctys file?") : _("takes one file"));
      return HG_EXIT_USAGE;
    }
  if (folder != NULL && !folder_is_valid (folder))
    {
      hg_cli_error ("import-ctys", _("--folder: '%s' must be a relative path without “..” or "
                                     "hidden parts"), folder);
      return HG_EXIT_USAGE;
    }
  abs = g_canonicalize_filename (argv[1], NULL);
  if (!g_file_test (abs, G_FILE_TEST_EXISTS))
    {
      hg_cli_error ("import-ctys", _("%s: no such file"), abs);
      return HG_EXIT_NOT_FOUND;
    }
  import = hg_ctys_parse_file (abs, &error);
  if (import == NULL)
    return hg_cli_fail ("import-ctys", error);
  if (label != NULL && !hg_ctys_import_set_label (import, label, &error))
    return hg_cli_fail ("import-ctys", error);

  /* the local --base is where it goes; the global ones are the library */
  if (local_bases != NULL && local_bases[0] != NULL)
    base = local_bases[0];
  else
    {
      bases = hg_cli_effective_bases (ctx, NULL, NULL);
      base = bases[0];
    }
  if (!beside)
    {
      target = folder != NULL && folder[0] != '\0' ? g_build_filename (base, folder, NULL)
                                                   : g_strdup (base);
      if (hg_ctys_import_get_label (import) != NULL)
        existing = hg_library_find_label (base, hg_ctys_import_get_label (import));
      if (existing != NULL)
        {
          hg_cli_error ("import-ctys", _("a VM named '%s' exists already: %s (choose another "
                                         "name with --label)"),
                        hg_ctys_import_get_label (import), existing);
          return HG_EXIT_USAGE;
        }
      if (g_mkdir_with_parents (target, 0755) != 0)
        {
          int errsv = errno;
          hg_cli_error ("import-ctys", _("cannot create folder %s: %s"), target, g_strerror (errsv));
          return HG_EXIT_FAILURE;
        }
    }
  if (!hg_ctys_import_write (import, target, &config_path, &error))
    return hg_cli_fail ("import-ctys", error);

  report = hg_ctys_import_format_report (import);
  if (report != NULL)
    fputs (report, stdout);
  if (report != NULL && report[0] != '\0' && !g_str_has_suffix (report, "\n"))
    fputc ('\n', stdout);
  g_print (_("Created VM '%s': %s\n"), hg_ctys_import_get_label (import), config_path);
  return HG_EXIT_OK;
}
