/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-firmware"
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hg-firmware.h"
#include "hg-spawn.h"
#include "hg-temp.h"

/* QEMU's firmware descriptors (docs/interop/firmware.json), as libvirt's
 * qemu_firmware.c reads them: see hg-firmware.h. */

G_DEFINE_QUARK (hg-firmware-error-quark, hg_firmware_error)

/* A descriptor larger than this is not one */
#define MAX_DESCRIPTOR_BYTES (64 * 1024)

void
hg_firmware_free (HgFirmware *fw)
{
  if (fw == NULL)
    return;
  g_free (fw->path);
  g_free (fw->name);
  g_free (fw->description);
  g_free (fw->device);
  g_free (fw->executable);
  g_free (fw->executable_format);
  g_free (fw->nvram_template);
  g_free (fw->nvram_template_format);
  g_clear_pointer (&fw->targets, g_ptr_array_unref);
  g_free (fw);
}

static void
target_free (HgFirmwareTarget *t)
{
  g_free (t->arch);
  g_strfreev (t->machines);
  g_free (t);
}

static const struct {
  const char *name;
  HgFirmwareFeatures flag;
} feature_names[] = {
  { "acpi-s3", HG_FIRMWARE_FEATURE_ACPI_S3 },
  { "acpi-s4", HG_FIRMWARE_FEATURE_ACPI_S4 },
  { "amd-sev", HG_FIRMWARE_FEATURE_AMD_SEV },
  { "amd-sev-es", HG_FIRMWARE_FEATURE_AMD_SEV_ES },
  { "enrolled-keys", HG_FIRMWARE_FEATURE_ENROLLED_KEYS },
  { "requires-smm", HG_FIRMWARE_FEATURE_REQUIRES_SMM },
  { "secure-boot", HG_FIRMWARE_FEATURE_SECURE_BOOT },
  { "verbose-dynamic", HG_FIRMWARE_FEATURE_VERBOSE_DYNAMIC },
  { "verbose-static", HG_FIRMWARE_FEATURE_VERBOSE_STATIC },
};

/* Folders a descriptor may name files in: the system's and the user's own */
static gboolean
path_in_allowed_folder (const char *path)
{
  static const char *const roots[] = { "/usr/", "/opt/", "/etc/", "/nix/store/" };
  const char *home = g_get_home_dir ();

  for (guint i = 0; i < G_N_ELEMENTS (roots); i++)
    if (g_str_has_prefix (path, roots[i]))
      return TRUE;
  if (home != NULL && g_path_is_absolute (home) && strcmp (home, "/") != 0)
    {
      g_autofree char *prefix = g_str_has_suffix (home, "/") ? g_strdup (home)
                                                             : g_strconcat (home, "/", NULL);
      if (g_str_has_prefix (path, prefix))
        return TRUE;
    }
  return FALSE;
}

/* Absolute, canonical, printable, in an allowed folder */
static gboolean
check_path_form (const char  *descriptor,
                 const char  *member,
                 const char  *path,
                 GError     **error)
{
  g_autofree char *canonical = NULL;

  for (const guchar *p = (const guchar *) path; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                     _("%s: %s: the path contains a control character"), descriptor, member);
        return FALSE;
      }
  if (!g_path_is_absolute (path))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                   _("%s: %s: “%s” is not an absolute path"), descriptor, member, path);
      return FALSE;
    }
  canonical = g_canonicalize_filename (path, NULL);
  if (strcmp (canonical, path) != 0)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                   _("%s: %s: “%s” is not a canonical path (it has “.”, “..” or “//” parts)"),
                   descriptor, member, path);
      return FALSE;
    }
  if (!path_in_allowed_folder (path))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                   _("%s: %s: “%s” is outside the folders firmware may come from "
                     "(/usr, /opt, /etc, /nix/store, your home folder)"),
                   descriptor, member, path);
      return FALSE;
    }
  return TRUE;
}

/* A string member, or NULL (absent, null or not a string: never a
 * critical, as json_object_get_string_member_with_default () gives for a
 * list).  hg-disk-image.c has the same static helper. */
static const char *
member_string (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonArray *
member_array (JsonObject *obj,
              const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

static JsonObject *
member_object (JsonObject *obj,
               const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* {"filename": ..., "format": ...} of a flash mapping */
static gboolean
parse_flash_file (const char  *descriptor,
                  JsonObject  *mapping,
                  const char  *member,
                  gboolean     required,
                  char       **out_filename,
                  char       **out_format,
                  GError     **error)
{
  JsonObject *file = member_object (mapping, member);
  g_autofree char *where = g_strdup_printf ("mapping.%s.filename", member);
  const char *filename, *format;

  if (file == NULL)
    {
      if (!required)
        return TRUE;
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: mapping.%s is missing"), descriptor, member);
      return FALSE;
    }
  filename = member_string (file, "filename");
  format = member_string (file, "format");
  if (filename == NULL)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: %s is missing or not a string"), descriptor, where);
      return FALSE;
    }
  if (!check_path_form (descriptor, where, filename, error))
    return FALSE;
  if (format == NULL)
    format = "raw";   /* the spec's default */
  if (strcmp (format, "raw") != 0 && strcmp (format, "qcow2") != 0)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: mapping.%s.format: “%s” is not raw or qcow2"), descriptor, member, format);
      return FALSE;
    }
  *out_filename = g_strdup (filename);
  *out_format = g_strdup (format);
  return TRUE;
}

HgFirmware *
hg_firmware_parse (const char  *data,
                   gssize       length,
                   const char  *path,
                   GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(HgFirmware) fw = g_new0 (HgFirmware, 1);
  g_autoptr(GError) local_error = NULL;
  const char *src = path != NULL ? path : "firmware descriptor";
  JsonNode *root;
  JsonObject *obj, *mapping;
  JsonArray *arr;

  g_return_val_if_fail (data != NULL, NULL);

  fw->path = g_strdup (path);
  fw->name = path != NULL ? g_path_get_basename (path) : g_strdup ("");
  fw->targets = g_ptr_array_new_with_free_func ((GDestroyNotify) target_free);

  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: not valid JSON: %s"), src, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: not a JSON object"), src);
      return NULL;
    }
  obj = json_node_get_object (root);
  fw->description = g_strdup (member_string (obj, "description"));

  arr = member_array (obj, "interface-types");
  if (arr == NULL)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: interface-types is missing or not a list"), src);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      const char *type = json_node_get_string (json_array_get_element (arr, i));

      if (g_strcmp0 (type, "uefi") == 0)
        fw->uefi = TRUE;
      else if (g_strcmp0 (type, "bios") == 0)
        fw->bios = TRUE;
    }

  mapping = member_object (obj, "mapping");
  if (mapping == NULL || member_string (mapping, "device") == NULL)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: mapping.device is missing"), src);
      return NULL;
    }
  fw->device = g_strdup (member_string (mapping, "device"));
  if (strcmp (fw->device, "flash") == 0)
    {
      const char *mode = member_string (mapping, "mode");

      /* split (the default): code and variables apart; combined and
       * stateless have no template and are kept but never selected */
      if (mode == NULL || strcmp (mode, "split") == 0)
        {
          if (!parse_flash_file (src, mapping, "executable", TRUE,
                                 &fw->executable, &fw->executable_format, error) ||
              !parse_flash_file (src, mapping, "nvram-template", FALSE,
                                 &fw->nvram_template, &fw->nvram_template_format, error))
            return NULL;
        }
    }
  else if (strcmp (fw->device, "memory") == 0 || strcmp (fw->device, "kernel") == 0)
    {
      /* a -bios or -kernel image: parsed for its form, not used */
      const char *filename = member_string (mapping, "filename");

      if (filename == NULL)
        {
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                       _("%s: mapping.filename is missing"), src);
          return NULL;
        }
      if (!check_path_form (src, "mapping.filename", filename, error))
        return NULL;
      fw->executable = g_strdup (filename);
      fw->executable_format = g_strdup ("raw");
    }
  else
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: mapping.device: “%s” is not flash, memory or kernel"), src, fw->device);
      return NULL;
    }

  arr = member_array (obj, "targets");
  if (arr == NULL || json_array_get_length (arr) == 0)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: targets is missing or empty"), src);
      return NULL;
    }
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *node = json_array_get_element (arr, i);
      JsonObject *t = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      JsonArray *machines = t != NULL ? member_array (t, "machines") : NULL;
      const char *arch = t != NULL ? member_string (t, "architecture") : NULL;
      HgFirmwareTarget *target;
      GPtrArray *globs;

      if (arch == NULL || machines == NULL)
        {
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                       _("%s: targets[%u] needs an architecture and a list of machines"), src, i);
          return NULL;
        }
      globs = g_ptr_array_new ();
      for (guint k = 0; k < json_array_get_length (machines); k++)
        {
          const char *glob = json_node_get_string (json_array_get_element (machines, k));

          if (glob != NULL)
            g_ptr_array_add (globs, g_strdup (glob));
        }
      g_ptr_array_add (globs, NULL);
      target = g_new0 (HgFirmwareTarget, 1);
      target->arch = g_strdup (arch);
      target->machines = (GStrv) g_ptr_array_free (globs, FALSE);
      g_ptr_array_add (fw->targets, target);
    }

  arr = member_array (obj, "features");
  for (guint i = 0; arr != NULL && i < json_array_get_length (arr); i++)
    {
      const char *feature = json_node_get_string (json_array_get_element (arr, i));

      for (guint k = 0; feature != NULL && k < G_N_ELEMENTS (feature_names); k++)
        if (strcmp (feature, feature_names[k].name) == 0)
          fw->features |= feature_names[k].flag;
    }
  return g_steal_pointer (&fw);
}

static gboolean
check_file (const HgFirmware *fw,
            const char       *member,
            const char       *path,
            GError          **error)
{
  g_autofree char *real = NULL;
  struct stat st;

  if (path == NULL)
    return TRUE;
  if (stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                   _("%s: %s: %s: %s"), fw->path, member, path, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                   _("%s: %s: %s is not a regular file"), fw->path, member, path);
      return FALSE;
    }
  /* a symlink may lead anywhere: its target must be allowed as well */
  real = realpath (path, NULL);
  if (real == NULL || !path_in_allowed_folder (real))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                   _("%s: %s: %s leads outside the folders firmware may come from"),
                   fw->path, member, path);
      return FALSE;
    }
  return TRUE;
}

gboolean
hg_firmware_check_files (const HgFirmware *fw,
                         GError          **error)
{
  g_return_val_if_fail (fw != NULL, FALSE);

  return check_file (fw, "mapping.executable.filename", fw->executable, error) &&
         check_file (fw, "mapping.nvram-template.filename", fw->nvram_template, error);
}

HgFirmware *
hg_firmware_load_file (const char  *path,
                       GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(HgFirmware) fw = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &data, &length, error))
    return NULL;
  if (length > MAX_DESCRIPTOR_BYTES)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_INVALID,
                   _("%s: larger than a firmware descriptor can be"), path);
      return NULL;
    }
  fw = hg_firmware_parse (data, (gssize) length, path, error);
  if (fw == NULL || !hg_firmware_check_files (fw, error))
    return NULL;
  return g_steal_pointer (&fw);
}

GStrv
hg_firmware_default_dirs (void)
{
  const char *env = g_getenv ("HANGAR_FIRMWARE_DIRS");
  g_autofree char *user = NULL;
  g_autoptr(GStrvBuilder) b = NULL;

  if (env != NULL)
    return g_strsplit (env, ":", -1);
  user = g_build_filename (g_get_user_config_dir (), "qemu", "firmware", NULL);
  b = g_strv_builder_new ();
  g_strv_builder_add (b, user);
  g_strv_builder_add (b, "/etc/qemu/firmware");
  g_strv_builder_add (b, "/usr/share/qemu/firmware");
  return g_strv_builder_end (b);
}

static int
compare_by_name (gconstpointer a,
                 gconstpointer b)
{
  const HgFirmware *fa = *(HgFirmware * const *) a;
  const HgFirmware *fb = *(HgFirmware * const *) b;

  return strcmp (fa->name, fb->name);
}

GPtrArray *
hg_firmware_load_all (const char * const *dirs)
{
  g_auto(GStrv) defaults = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_firmware_free);

  if (dirs == NULL)
    {
      defaults = hg_firmware_default_dirs ();
      dirs = (const char * const *) defaults;
    }
  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = NULL;
      const char *entry;

      if (dirs[i][0] == '\0')
        continue;
      dir = g_dir_open (dirs[i], 0, NULL);
      while (dir != NULL && (entry = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = NULL;
          g_autoptr(GError) error = NULL;
          HgFirmware *fw;
          struct stat st;

          if (!g_str_has_suffix (entry, ".json") || entry[0] == '.')
            continue;
          /* a higher folder's file of this name hides this one */
          if (!g_hash_table_add (seen, g_strdup (entry)))
            continue;
          path = g_build_filename (dirs[i], entry, NULL);
          if (stat (path, &st) == 0 && S_ISREG (st.st_mode) && st.st_size == 0)
            continue;   /* an empty file masks the name */
          fw = hg_firmware_load_file (path, &error);
          if (fw == NULL)
            {
              /* Debian 12's own 50-edk2-aarch64-secure.json names a file
               * the package lacks: not worth a word at every probe */
              g_debug ("Firmware descriptor skipped: %s", error->message);
              continue;
            }
          g_ptr_array_add (list, fw);
        }
    }
  g_ptr_array_sort (list, compare_by_name);
  return list;
}

gboolean
hg_firmware_matches (const HgFirmware *fw,
                     const char       *arch,
                     const char       *machine,
                     const char       *canonical)
{
  g_return_val_if_fail (fw != NULL, FALSE);

  for (guint i = 0; i < fw->targets->len; i++)
    {
      const HgFirmwareTarget *t = g_ptr_array_index (fw->targets, i);

      if (g_strcmp0 (t->arch, arch) != 0)
        continue;
      for (guint k = 0; t->machines[k] != NULL; k++)
        if ((machine != NULL && g_pattern_match_simple (t->machines[k], machine)) ||
            (canonical != NULL && g_pattern_match_simple (t->machines[k], canonical)))
          return TRUE;
    }
  return FALSE;
}

const char *
hg_firmware_package (const char *arch)
{
  if (g_strcmp0 (arch, "x86_64") == 0)
    return "ovmf";
  if (g_strcmp0 (arch, "i386") == 0)
    return "ovmf-ia32";
  if (g_strcmp0 (arch, "aarch64") == 0)
    return "qemu-efi-aarch64";
  if (g_strcmp0 (arch, "arm") == 0)
    return "qemu-efi-arm";
  if (g_strcmp0 (arch, "riscv64") == 0)
    return "qemu-efi-riscv64";
  return NULL;
}

static gboolean
usable_uefi (const HgFirmware *fw)
{
  return fw->uefi && g_strcmp0 (fw->device, "flash") == 0 &&
         fw->executable != NULL && fw->nvram_template != NULL;
}

static gboolean
targets_arch (const HgFirmware *fw,
              const char       *arch)
{
  for (guint i = 0; i < fw->targets->len; i++)
    if (g_strcmp0 (((HgFirmwareTarget *) g_ptr_array_index (fw->targets, i))->arch, arch) == 0)
      return TRUE;
  return FALSE;
}

const HgFirmware *
hg_firmware_select (GPtrArray        *firmwares,
                    HgFirmwareKind    kind,
                    const char       *arch,
                    const char       *machine,
                    const char       *canonical,
                    GError          **error)
{
  const char *package = hg_firmware_package (arch);
  const HgFirmware *secure_elsewhere = NULL;
  gboolean any_for_arch = FALSE;

  g_return_val_if_fail (kind != HG_FIRMWARE_BIOS, NULL);

  /* UEFI: first without enrolled keys and without Secure Boot, then one
   * with Secure Boot but no keys (which then enforces nothing) */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; firmwares != NULL && i < firmwares->len; i++)
      {
        const HgFirmware *fw = g_ptr_array_index (firmwares, i);
        gboolean secure = (fw->features & HG_FIRMWARE_FEATURE_SECURE_BOOT) != 0;
        gboolean keys = (fw->features & HG_FIRMWARE_FEATURE_ENROLLED_KEYS) != 0;

        if (!usable_uefi (fw) || !targets_arch (fw, arch))
          continue;
        any_for_arch = TRUE;
        if (kind == HG_FIRMWARE_UEFI_SECURE)
          {
            if (pass > 0 || !secure || !keys)
              continue;
            if (!hg_firmware_matches (fw, arch, machine, canonical))
              {
                secure_elsewhere = fw;
                continue;
              }
            return fw;
          }
        if (keys || (pass == 0 && secure))
          continue;
        if (hg_firmware_matches (fw, arch, machine, canonical))
          return fw;
      }

  if (!any_for_arch)
    {
      if (package != NULL)
        g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_NOT_FOUND,
                     _("No UEFI firmware for %s is installed (install the package %s)"),
                     arch, package);
      else
        g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_NOT_FOUND,
                     _("No UEFI firmware for %s is installed (QEMU's firmware descriptors "
                       "in /usr/share/qemu/firmware name none)"), arch);
      return NULL;
    }
  if (kind == HG_FIRMWARE_UEFI_SECURE && secure_elsewhere != NULL &&
      (secure_elsewhere->features & HG_FIRMWARE_FEATURE_REQUIRES_SMM))
    g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSUPPORTED,
                 _("Secure Boot needs a machine with SMM (System Management Mode), which "
                   "guards the firmware's variables: machine %s has none, use q35"), machine);
  else if (kind == HG_FIRMWARE_UEFI_SECURE && secure_elsewhere != NULL)
    g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSUPPORTED,
                 _("The Secure Boot firmware for %s does not support machine %s (%s)"),
                 arch, machine, secure_elsewhere->path);
  else if (kind == HG_FIRMWARE_UEFI_SECURE && package != NULL)
    g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_NOT_FOUND,
                 _("No UEFI firmware with Secure Boot and enrolled keys for %s is installed "
                   "(install the package %s)"), arch, package);
  else if (kind == HG_FIRMWARE_UEFI_SECURE)
    g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_NOT_FOUND,
                 _("No UEFI firmware with Secure Boot and enrolled keys for %s is installed"), arch);
  else
    g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSUPPORTED,
                 _("The UEFI firmware installed for %s does not support machine %s"), arch, machine);
  return NULL;
}

const char *
hg_firmware_nvram_name (HgFirmwareKind kind)
{
  switch (kind)
    {
    case HG_FIRMWARE_UEFI:
      return "nvram-uefi.qcow2";
    case HG_FIRMWARE_UEFI_SECURE:
      return "nvram-uefi-secure.qcow2";
    case HG_FIRMWARE_BIOS:
    default:
      return NULL;
    }
}

gboolean
hg_firmware_ensure_nvram (const HgFirmware *fw,
                          HgFirmwareKind    kind,
                          const char       *vm_dir,
                          const char       *qemu_img,
                          GCancellable     *cancellable,
                          GError          **error)
{
  const char *name = hg_firmware_nvram_name (kind);
  g_autofree char *dest = NULL;
  g_autofree char *tmp_name = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *out = NULL;
  int dfd, fd, status = -1;
  struct stat st;

  g_return_val_if_fail (fw != NULL && name != NULL && vm_dir != NULL, FALSE);

  dest = g_build_filename (vm_dir, name, NULL);
  if (lstat (dest, &st) == 0)
    {
      /* a VM folder is untrusted: QEMU writes this file, so it must be
       * the folder's own (a symlink could lead it into another file) */
      if (!S_ISREG (st.st_mode) || st.st_uid != getuid ())
        {
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_UNSAFE,
                       _("Refusing the UEFI variables %s: not a regular file of yours "
                         "(a symbolic link?)"), dest);
          return FALSE;
        }
      return TRUE;   /* its content is checked like a disk image at its use */
    }
  if (errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot read %s: %s"), dest, g_strerror (saved));
      return FALSE;
    }
  if (fw->nvram_template == NULL)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("%s: the firmware has no variables template"), fw->path);
      return FALSE;
    }
  if (qemu_img == NULL)
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot make the UEFI variables %s: qemu-img is not installed "
                     "(Debian package qemu-utils)"), dest);
      return FALSE;
    }

  dfd = open (vm_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dfd < 0)
    {
      int saved = errno;
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot open the VM folder %s: %s"), vm_dir, g_strerror (saved));
      return FALSE;
    }
  /* locked while qemu-img writes it: a kill leaves it to the next scan */
  fd = hg_temp_file_open_locked (dfd, name, 0600, &tmp_name);
  if (fd < 0)
    {
      int saved = errno;
      close (dfd);
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot make the UEFI variables %s: %s"), dest, g_strerror (saved));
      return FALSE;
    }
  tmp = g_build_filename (vm_dir, tmp_name, NULL);

  {
    const char *argv[] = { qemu_img, "convert", "-q", "-f", fw->nvram_template_format,
                           "-O", "qcow2", fw->nvram_template, tmp, NULL };

    if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
        !hg_spawn_work_run (argv, NULL, 60000, &out, &status) || status != 0)
      {
        if (error != NULL && *error == NULL)
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                       _("Cannot make the UEFI variables %s from %s: %s"), dest,
                       fw->nvram_template, out != NULL && *out != '\0' ? g_strstrip (out)
                                                                      : _("qemu-img failed"));
        unlinkat (dfd, tmp_name, 0);
        close (fd);
        close (dfd);
        return FALSE;
      }
  }
  if (fsync (fd) != 0 || renameat (dfd, tmp_name, dfd, name) != 0)
    {
      int saved = errno;
      unlinkat (dfd, tmp_name, 0);
      close (fd);
      close (dfd);
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot make the UEFI variables %s: %s"), dest, g_strerror (saved));
      return FALSE;
    }
  fsync (dfd);
  close (fd);
  close (dfd);
  return TRUE;
}

/* Copies one regular file (never a symlink) */
static gboolean
copy_file (const char    *src,
           const char    *dest,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GFile) from = g_file_new_for_path (src);
  g_autoptr(GFile) to = g_file_new_for_path (dest);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_copy (from, to, G_FILE_COPY_NOFOLLOW_SYMLINKS, cancellable, NULL, NULL, &local_error))
    {
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot copy %s: %s"), src, local_error->message);
      return FALSE;
    }
  g_chmod (dest, 0600);
  return TRUE;
}

/* Copies a folder of regular files and folders; anything else is refused */
static gboolean
copy_tree (const char    *src,
           const char    *dest,
           GCancellable  *cancellable,
           GError       **error)
{
  g_autoptr(GDir) dir = NULL;
  const char *entry;

  if (g_mkdir (dest, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                   _("Cannot make the folder %s: %s"), dest, g_strerror (saved));
      return FALSE;
    }
  dir = g_dir_open (src, 0, error);
  if (dir == NULL)
    return FALSE;
  while ((entry = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (src, entry, NULL);
      g_autofree char *to = g_build_filename (dest, entry, NULL);
      struct stat st;

      if (lstat (from, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          if (!copy_tree (from, to, cancellable, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode))
        {
          if (!copy_file (from, to, cancellable, error))
            return FALSE;
        }
      else
        {
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                       _("Cannot copy %s: not a regular file or folder"), from);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
hg_firmware_copy_state (const char    *src_dir,
                        const char    *dest_dir,
                        GCancellable  *cancellable,
                        GError       **error)
{
  static const HgFirmwareKind kinds[] = { HG_FIRMWARE_UEFI, HG_FIRMWARE_UEFI_SECURE };
  g_autofree char *tpm_src = g_build_filename (src_dir, "tpm", NULL);
  g_autofree char *tpm_dest = g_build_filename (dest_dir, "tpm", NULL);
  struct stat st;

  g_return_val_if_fail (src_dir != NULL && dest_dir != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      const char *name = hg_firmware_nvram_name (kinds[i]);
      g_autofree char *from = g_build_filename (src_dir, name, NULL);
      g_autofree char *to = g_build_filename (dest_dir, name, NULL);

      if (lstat (from, &st) != 0)
        continue;
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                       _("Cannot copy %s: not a regular file"), from);
          return FALSE;
        }
      if (!copy_file (from, to, cancellable, error))
        return FALSE;
    }
  if (lstat (tpm_src, &st) == 0)
    {
      if (!S_ISDIR (st.st_mode))
        {
          g_set_error (error, HG_FIRMWARE_ERROR, HG_FIRMWARE_ERROR_FAILED,
                       _("Cannot copy %s: not a folder"), tpm_src);
          return FALSE;
        }
      if (!copy_tree (tpm_src, tpm_dest, cancellable, error))
        return FALSE;
    }
  return TRUE;
}
