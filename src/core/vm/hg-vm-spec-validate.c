/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-spec"
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "hg-cmdline.h"
#include "hg-library.h"
#include "hg-runtime.h"
#include "hg-switch.h"
#include "hg-vm-config-private.h"
#include "hg-vm-spec-private.h"

/*
 * HgVmSpec: validation per page, the config it describes and its QEMU
 * command line.  Every error is HG_VM_SPEC_ERROR with the code of the
 * field and a message that starts with the field's name.
 */

#define fail(error, code, ...) \
  (g_set_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_##code, __VA_ARGS__), FALSE)

gboolean
_hg_vm_spec_uses_iso (HgVmSpec *self)
{
  return self->iso_path != NULL &&
         (self->source == HG_INSTALL_SOURCE_ISO || self->source == HG_INSTALL_SOURCE_KERNEL);
}

gboolean
_hg_vm_spec_uses_kernel (HgVmSpec *self)
{
  return self->source == HG_INSTALL_SOURCE_KERNEL;
}

gboolean
_hg_vm_spec_uses_image (HgVmSpec *self)
{
  return self->source == HG_INSTALL_SOURCE_EXISTING_DISK ||
         (self->image_path != NULL && !self->new_disk);
}

gboolean
_hg_vm_spec_uses_new_disk (HgVmSpec *self)
{
  return !_hg_vm_spec_uses_image (self) && self->new_disk;
}

gboolean
hg_vm_spec_needs_qemu_img (HgVmSpec *self)
{
  g_return_val_if_fail (HG_IS_VM_SPEC (self), FALSE);
  return _hg_vm_spec_uses_image (self) || _hg_vm_spec_uses_new_disk (self);
}

char *
_hg_vm_spec_disk_file_name (HgVmSpec *self)
{
  if (_hg_vm_spec_uses_image (self) && self->image_mode == HG_IMAGE_MODE_COPY &&
      self->image_path != NULL)
    return g_path_get_basename (self->image_path);
  return g_strconcat (self->label != NULL ? self->label : "disk", ".qcow2", NULL);
}

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; p != NULL && *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
      return TRUE;
  return FALSE;
}

/* [A-Za-z0-9_.-]+, at most max */
static gboolean
is_token (const char *text,
          gsize       max)
{
  gsize n = 0;

  for (const char *p = text; *p != '\0'; p++, n++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.' && *p != '-')
      return FALSE;
  return n > 0 && n <= max;
}

HgDiskImageInfo *
_hg_vm_spec_inspect_image (HgVmSpec *self,
                           GError  **error)
{
  g_autofree char *abs = NULL;
  g_autofree char *key = NULL;
  GStatBuf st;

  if (self->image_path == NULL)
    {
      (void) fail (error, IMAGE, _("Disk image: choose an existing image"));
      return NULL;
    }
  abs = g_canonicalize_filename (self->image_path, NULL);
  if (g_stat (abs, &st) == 0)
    key = g_strdup_printf ("%s\n%" G_GINT64_FORMAT "\n%" G_GINT64_FORMAT "\n%lu", abs,
                           (gint64) st.st_mtime, (gint64) st.st_size, (gulong) st.st_ino);
  if (key == NULL || g_strcmp0 (key, self->image_key) != 0)
    {
      g_autoptr(GError) local = NULL;

      g_clear_pointer (&self->image_info, hg_disk_image_info_free);
      g_clear_error (&self->image_error);
      g_free (self->image_key);
      self->image_key = g_steal_pointer (&key);
      self->image_info = hg_disk_image_inspect (abs, NULL, NULL, &local);
      if (self->image_info == NULL)
        self->image_error = g_error_new (HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_IMAGE,
                                         _("Disk image: %s"), local->message);
      if (self->image_info != NULL)
        {
          HgDiskImageLayer *top = self->image_info->layers->pdata[0];
          g_free (self->image_format);
          self->image_format = g_strdup (top->format);
          g_object_notify_by_pspec (G_OBJECT (self),
                                    _hg_vm_spec_properties[HG_VM_SPEC_PROP_IMAGE_FORMAT]);
        }
    }
  if (self->image_info == NULL)
    {
      if (error != NULL)
        *error = g_error_copy (self->image_error);
      return NULL;
    }
  return self->image_info;
}

/* A readable regular file */
static gboolean
check_file (const char  *path,
            int          code,
            const char  *field,
            GError     **error)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  GStatBuf st;

  if (g_stat (abs, &st) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_VM_SPEC_ERROR, code, "%s: %s: %s", field, abs,
                   errsv == ENOENT ? _("no such file") : g_strerror (errsv));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, HG_VM_SPEC_ERROR, code, _("%s: %s is not a regular file"), field, abs);
      return FALSE;
    }
  if (g_access (abs, R_OK) != 0)
    {
      int errsv = errno;
      g_set_error (error, HG_VM_SPEC_ERROR, code, _("%s: %s cannot be read: %s"), field, abs,
                   g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

/* The directory exists and is writable, or can be made; a problem at the
 * base directory or above it is the base's, below it the folder's */
static gboolean
check_writable_dir (const char  *dir,
                    const char  *base,
                    GError     **error)
{
  g_autofree char *probe = g_strdup (dir);
  gboolean in_folder;

  while (!g_file_test (probe, G_FILE_TEST_EXISTS))
    {
      char *parent = g_path_get_dirname (probe);
      gboolean top = g_str_equal (parent, probe);

      g_free (probe);
      probe = parent;
      if (top)
        break;
    }
  in_folder = base != NULL && g_str_has_prefix (probe, base) && probe[strlen (base)] == '/';
  if (!g_file_test (probe, G_FILE_TEST_IS_DIR))
    {
      if (in_folder)
        return fail (error, LOCATION, _("Folder: %s is not a folder"), probe);
      return fail (error, BASE_DIR, _("Base directory: %s is not a folder"), probe);
    }
  if (g_access (probe, W_OK | X_OK) != 0)
    {
      if (in_folder)
        return fail (error, LOCATION, _("Folder: %s is not writable"), probe);
      return fail (error, BASE_DIR, _("Base directory: %s is not writable"), probe);
    }
  return TRUE;
}

static gboolean
validate_name (HgVmSpec  *self,
               GError   **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *base = _hg_vm_spec_dup_base (self);
  g_autofree char *parent = NULL;

  if (self->label == NULL)
    return fail (error, LABEL, _("Label: enter a name for the VM"));
  if (!hg_label_is_valid (self->label, &local))
    return fail (error, LABEL, _("Label: %s"), local->message);
  if (base == NULL)
    return fail (error, BASE_DIR, _("Base directory: there is none to create the VM in"));
  if (!_hg_vm_spec_folder_is_valid (self->folder))
    return fail (error, LOCATION,
                 _("Folder: “%s” must be a relative path without “..” or hidden parts"),
                 self->folder);
  {
    g_autofree char *existing = hg_library_find_label (base, self->label);

    for (guint i = 0; existing == NULL && self->bases != NULL && self->bases[i] != NULL; i++)
      existing = hg_library_find_label (self->bases[i], self->label);
    if (existing != NULL)
      return fail (error, LABEL, _("Label: a VM named “%s” exists already: %s"), self->label,
                   existing);
  }
  if (g_file_test (self->target_dir, G_FILE_TEST_EXISTS) ||
      g_file_test (self->target_dir, G_FILE_TEST_IS_SYMLINK))
    return fail (error, LABEL, _("Label: %s exists already"), self->target_dir);
  parent = _hg_vm_spec_dup_parent (self);
  return check_writable_dir (parent, base, error);
}

static gboolean
validate_source (HgVmSpec  *self,
                 GError   **error)
{
  if (_hg_vm_spec_uses_iso (self) || self->source == HG_INSTALL_SOURCE_ISO)
    {
      g_autoptr(GError) local = NULL;
      g_autofree char *abs = NULL;

      if (self->iso_path == NULL)
        return fail (error, ISO, _("ISO image: choose the install medium"));
      abs = g_canonicalize_filename (self->iso_path, NULL);
      if (!hg_iso_check (abs, &local))
        return fail (error, ISO, _("ISO image: %s"), local->message);
    }
  if (_hg_vm_spec_uses_kernel (self))
    {
      if (self->kernel_path == NULL)
        return fail (error, KERNEL, _("Kernel: choose the kernel to boot"));
      if (!check_file (self->kernel_path, HG_VM_SPEC_ERROR_KERNEL, _("Kernel"), error))
        return FALSE;
      if (self->initrd_path != NULL &&
          !check_file (self->initrd_path, HG_VM_SPEC_ERROR_INITRD, _("Initrd"), error))
        return FALSE;
      if (self->append != NULL && has_control_chars (self->append))
        return fail (error, APPEND, _("Kernel command line: control characters are not allowed"));
    }
  if (_hg_vm_spec_uses_image (self))
    {
      HgDiskImageInfo *info = _hg_vm_spec_inspect_image (self, error);

      if (info == NULL)
        return FALSE;
      if (self->image_mode == HG_IMAGE_MODE_COPY && info->layers->len > 1)
        return fail (error, IMAGE,
                     _("Disk image: %s has a backing file (%s); a copy would lose it — "
                       "choose convert, which makes one standalone image"),
                     self->image_path,
                     ((HgDiskImageLayer *) info->layers->pdata[0])->backing_filename);
      if (((HgDiskImageLayer *) info->layers->pdata[0])->encrypted)
        return fail (error, IMAGE, _("Disk image: %s is encrypted, which Hangar does not support"),
                     self->image_path);
    }
  switch (self->boot_mode)
    {
    case HG_BOOT_CDROM:
      if (!_hg_vm_spec_uses_iso (self))
        return fail (error, SOURCE, _("Boot: booting from CD-ROM needs an ISO image"));
      break;
    case HG_BOOT_KERNEL:
      if (!_hg_vm_spec_uses_kernel (self))
        return fail (error, SOURCE, _("Boot: kernel boot needs a kernel"));
      break;
    case HG_BOOT_FLOPPY:
    case HG_BOOT_USB:
      return fail (error, SOURCE, _("Boot: a new VM has no floppy or USB medium to boot from"));
    case HG_BOOT_PXE:
    case HG_BOOT_DISK:
    default:
      break;
    }
  return TRUE;
}

static gboolean
validate_os (HgVmSpec  *self,
             GError   **error)
{
  const char *values[] = { self->os_id, self->os_name, self->os_version, self->os_family };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    if (values[i] != NULL && (has_control_chars (values[i]) || strlen (values[i]) > 256 ||
                              !g_utf8_validate (values[i], -1, NULL)))
      {
        g_autofree char *shown = _hg_config_quote_value (values[i]);
        return fail (error, OS, _("Operating system: %s is not a valid name"), shown);
      }
  return TRUE;
}

static gboolean
validate_arch (HgVmSpec  *self,
               GError   **error)
{
  if (self->arch == NULL || !hg_host_arch_is_known (self->arch))
    {
      g_autofree char *known = g_strjoinv (" ", (char **) hg_host_known_arches ());
      return fail (error, ARCH, _("Architecture: unknown architecture “%s” (%s)"),
                   self->arch != NULL ? self->arch : "", known);
    }
  if (hg_host_caps_get_emulator (self->caps, self->arch) == NULL)
    return fail (error, ARCH, _("Architecture: %s is not installed (qemu-system-%s)"), self->arch,
                 hg_host_emulator_name (self->arch));
  if (self->accel == HG_ACCEL_KVM && !hg_host_caps_kvm_usable_for (self->caps, self->arch))
    {
      if (self->caps->force_tcg)
        return fail (error, ACCEL, _("Accelerator: KVM is switched off (HANGAR_ACCEL=tcg)"));
      if (g_strcmp0 (self->caps->host_arch, self->arch) != 0 &&
          !(g_str_equal (self->arch, "i386") && g_strcmp0 (self->caps->host_arch, "x86_64") == 0))
        return fail (error, ACCEL, _("Accelerator: KVM runs only guests of the host's "
                                     "architecture (%s)"), self->caps->host_arch);
      return fail (error, ACCEL, _("Accelerator: KVM does not work here: %s"),
                   self->caps->kvm_reason != NULL ? self->caps->kvm_reason : _("unknown reason"));
    }
  if (self->machine != NULL && !is_token (self->machine, 64))
    {
      g_autofree char *shown = _hg_config_quote_value (self->machine);
      return fail (error, MACHINE, _("Machine: %s is not a machine type"), shown);
    }
  /* What the installed emulator offers, where its answer is known */
  if (self->machine != NULL && *self->machine != '\0')
    {
      const HgQemuCaps *qemu = hg_host_caps_get_qemu_caps (self->caps, self->arch);

      if (qemu != NULL && hg_qemu_caps_find_machine (qemu, self->machine) == NULL)
        {
          g_autofree char *shown = _hg_config_quote_value (self->machine);
          g_autofree char *valid = hg_qemu_caps_describe_machines (qemu, 8);

          return fail (error, MACHINE, _("Machine: qemu-system-%s has no machine %s (%s)"),
                       self->arch, shown, valid);
        }
    }
  if (self->cpu_model != NULL && (has_control_chars (self->cpu_model) || strlen (self->cpu_model) > 256))
    {
      g_autofree char *shown = _hg_config_quote_value (self->cpu_model);
      return fail (error, CPU_MODEL, _("CPU model: %s is not a CPU model"), shown);
    }
  return TRUE;
}

static gboolean
validate_memory (HgVmSpec  *self,
                 GError   **error)
{
  if (self->memory_mib < 1)
    return fail (error, MEMORY, _("Memory: the VM needs some memory"));
  if (self->memory_mib > self->host_memory_mib)
    return fail (error, MEMORY, _("Memory: %u MiB is more than this host has (%u MiB)"),
                 self->memory_mib, self->host_memory_mib);
  if (self->cpus < 1 || self->cpus > HG_CONFIG_MAX_CPUS)
    return fail (error, CPUS, _("CPUs: %u is not a number from 1 to %d"), self->cpus,
                 HG_CONFIG_MAX_CPUS);
  return TRUE;
}

static gboolean
validate_disk (HgVmSpec  *self,
               GError   **error)
{
  g_autofree char *parent = _hg_vm_spec_dup_parent (self);
  guint64 free_bytes = parent != NULL ? hg_fs_free_space (parent) : G_MAXUINT64;
  guint64 needed = 0;

  if (_hg_vm_spec_uses_new_disk (self))
    {
      g_autofree char *qemu_img = hg_disk_image_find_qemu_img ();

      if (qemu_img == NULL)
        return fail (error, DISK_SIZE, _("Disk: qemu-img is not installed (Debian package "
                                         "qemu-utils), so no disk can be created"));
      if (self->disk_size == 0)
        return fail (error, DISK_SIZE, _("Disk size: 0 — a new disk needs a size (or choose "
                                         "no disk)"));
      if (self->disk_size < HG_VM_SPEC_MIN_DISK_BYTES)
        {
          g_autofree char *size = hg_size_format (self->disk_size);
          return fail (error, DISK_SIZE, _("Disk size: %s is smaller than 1 MiB"), size);
        }
      if (self->disk_size > free_bytes)
        {
          g_autofree char *size = hg_size_format (self->disk_size);
          g_autofree char *avail = hg_size_format (free_bytes);
          return fail (error, DISK_SIZE, _("Disk size: %s is more than the free space of %s (%s)"),
                       size, parent, avail);
        }
    }
  if (_hg_vm_spec_uses_image (self) && self->image_mode != HG_IMAGE_MODE_IN_PLACE)
    {
      HgDiskImageInfo *info = _hg_vm_spec_inspect_image (self, NULL);

      if (info != NULL)
        {
          HgDiskImageLayer *top = info->layers->pdata[0];
          needed = self->image_mode == HG_IMAGE_MODE_COPY ? top->actual_size : top->actual_size;
          for (guint i = 1; self->image_mode == HG_IMAGE_MODE_CONVERT && i < info->layers->len; i++)
            needed += ((HgDiskImageLayer *) info->layers->pdata[i])->actual_size;
        }
    }
  if (self->copy_in)
    {
      const char *files[] = { _hg_vm_spec_uses_iso (self) ? self->iso_path : NULL,
                              _hg_vm_spec_uses_kernel (self) ? self->kernel_path : NULL,
                              _hg_vm_spec_uses_kernel (self) ? self->initrd_path : NULL };
      for (guint i = 0; i < G_N_ELEMENTS (files); i++)
        {
          GStatBuf st;
          if (files[i] != NULL && g_stat (files[i], &st) == 0)
            needed += (guint64) st.st_size;
        }
    }
  if (needed > free_bytes)
    {
      g_autofree char *size = hg_size_format (needed);
      g_autofree char *avail = hg_size_format (free_bytes);
      return fail (error, DISK_SIZE, _("Disk: copying needs %s, more than the free space of %s (%s)"),
                   size, parent, avail);
    }
  if (self->disk_bus != NULL)
    {
      static const char *const buses[] = { "virtio", "ide", "scsi", "sd", "none" };
      gboolean ok = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (buses); i++)
        ok = ok || g_str_equal (self->disk_bus, buses[i]);
      if (!ok)
        return fail (error, DISK_BUS, _("Disk bus: “%s” is not one of virtio, ide, scsi, sd, none"),
                     self->disk_bus);
    }
  return TRUE;
}

static gboolean
validate_network (HgVmSpec  *self,
                  GError   **error)
{
  GHashTable *macs;
  const char *owner;

  if (self->net_mode == HG_NET_NONE)
    {
      if (self->boot_mode == HG_BOOT_PXE)
        return fail (error, NETWORK, _("Network: PXE boot needs a network"));
      return TRUE;
    }
  if (self->net_mode == HG_NET_VDE)
    {
      g_autoptr(GError) local = NULL;

      if (self->switch_name == NULL)
        return fail (error, SWITCH, _("Switch: choose a VDE switch"));
      if (!hg_switch_name_is_valid (self->switch_name, &local))
        return fail (error, SWITCH, _("Switch: %s"), local->message);
    }
  if (self->net_mode == HG_NET_TAP &&
      (self->tap == NULL || !is_token (self->tap, 15)))
    {
      g_autofree char *shown = _hg_config_quote_value (self->tap != NULL ? self->tap : "");
      return fail (error, TAP, _("TAP interface: %s is not an interface name"), shown);
    }
  if (self->mac == NULL)
    return fail (error, MAC, _("MAC address: enter one, or generate one"));
  if (!hg_mac_is_valid (self->mac))
    {
      guint first = g_ascii_isxdigit (self->mac[0]) && g_ascii_isxdigit (self->mac[1])
                      ? (guint) (g_ascii_xdigit_value (self->mac[0]) << 4 |
                                 g_ascii_xdigit_value (self->mac[1]))
                      : 0;
      if (strlen (self->mac) == 17 && (first & 1) != 0)
        return fail (error, MAC, _("MAC address: %s is a multicast address (the first byte "
                                   "must be even)"), self->mac);
      return fail (error, MAC, _("MAC address: “%s” is not a MAC address like "
                                 "52:54:00:12:34:56"), self->mac);
    }
  macs = _hg_vm_spec_library_macs (self);
  owner = g_hash_table_lookup (macs, self->mac);
  if (owner != NULL)
    return fail (error, MAC, _("MAC address: %s is used by %s already"), self->mac, owner);
  if (self->nic_model != NULL && !is_token (self->nic_model, 64))
    {
      g_autofree char *shown = _hg_config_quote_value (self->nic_model);
      return fail (error, NIC_MODEL, _("NIC model: %s is not a device name"), shown);
    }
  if (self->net_mode == HG_NET_USER)
    {
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      for (guint i = 0; i < self->forwards->len; i++)
        {
          g_autoptr(HgHostFwd) fwd = _hg_vm_spec_parse_forward (self->forwards->pdata[i], error);

          if (fwd == NULL)
            return FALSE;
          if (!g_hash_table_add (seen, g_strdup_printf ("%s:%u", fwd->proto, fwd->host_port)))
            return fail (error, FORWARD, _("Port forward: host port %u/%s is forwarded twice"),
                         fwd->host_port, fwd->proto);
        }
    }
  return TRUE;
}

static gboolean
validate_console (HgVmSpec  *self,
                  GError   **error)
{
  if (self->keymap != NULL && !is_token (self->keymap, 16))
    {
      g_autofree char *shown = _hg_config_quote_value (self->keymap);
      return fail (error, KEYMAP, _("Keymap: %s is not a keymap like de or en-us"), shown);
    }
  return TRUE;
}

gboolean
hg_vm_spec_validate_page (HgVmSpec      *self,
                          HgVmSpecPage   page,
                          GError       **error)
{
  g_return_val_if_fail (HG_IS_VM_SPEC (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  switch (page)
    {
    case HG_VM_SPEC_PAGE_NAME: return validate_name (self, error);
    case HG_VM_SPEC_PAGE_SOURCE: return validate_source (self, error);
    case HG_VM_SPEC_PAGE_OS: return validate_os (self, error);
    case HG_VM_SPEC_PAGE_ARCH: return validate_arch (self, error);
    case HG_VM_SPEC_PAGE_MEMORY: return validate_memory (self, error);
    case HG_VM_SPEC_PAGE_DISK: return validate_disk (self, error);
    case HG_VM_SPEC_PAGE_NETWORK: return validate_network (self, error);
    case HG_VM_SPEC_PAGE_CONSOLE: return validate_console (self, error);
    case HG_VM_SPEC_PAGE_SUMMARY: return hg_vm_spec_validate (self, error);
    default: g_return_val_if_reached (FALSE);
    }
}

static gboolean
validate_pages (HgVmSpec  *self,
                GError   **error)
{
  for (HgVmSpecPage page = HG_VM_SPEC_PAGE_NAME; page < HG_VM_SPEC_PAGE_SUMMARY; page++)
    if (!hg_vm_spec_validate_page (self, page, error))
      return FALSE;
  return TRUE;
}

char *
hg_vm_spec_get_warning (HgVmSpec     *self,
                        HgVmSpecPage  page)
{
  g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL);

  switch (page)
    {
    case HG_VM_SPEC_PAGE_MEMORY:
      if (self->memory_mib <= self->host_memory_mib && self->memory_mib > self->host_memory_mib / 4 * 3)
        return g_strdup_printf (_("%u MiB is more than three quarters of the host's memory "
                                  "(%u MiB): the host may start swapping"),
                                self->memory_mib, self->host_memory_mib);
      if (self->os != NULL && self->os->min_memory_mib > 0 &&
          self->memory_mib < self->os->min_memory_mib)
        return g_strdup_printf (_("%s needs at least %u MiB"), self->os->name,
                                self->os->min_memory_mib);
      if (self->cpus > self->host_cpus)
        return g_strdup_printf (_("%u CPUs are more than the host has (%u): the guest gets slower, "
                                  "not faster"), self->cpus, self->host_cpus);
      return NULL;
    case HG_VM_SPEC_PAGE_DISK:
      if (_hg_vm_spec_uses_new_disk (self) && self->os != NULL && self->os->disk_bytes > 0 &&
          self->disk_size < self->os->disk_bytes / 2)
        {
          g_autofree char *rec = hg_size_format (self->os->disk_bytes);
          return g_strdup_printf (_("%s recommends %s"), self->os->name, rec);
        }
      return NULL;
    case HG_VM_SPEC_PAGE_NETWORK:
      for (guint i = 0; self->net_mode == HG_NET_USER && i < self->forwards->len; i++)
        {
          g_autoptr(HgHostFwd) fwd = _hg_vm_spec_parse_forward (self->forwards->pdata[i], NULL);

          if (fwd != NULL && fwd->host_port < 1024)
            return g_strdup_printf (_("Host port %u is below 1024: only root may listen there"),
                                    fwd->host_port);
          if (fwd != NULL && fwd->address != NULL &&
              !g_str_equal (fwd->address, HG_HOST_FWD_DEFAULT_ADDRESS))
            return g_strdup_printf (_("Host port %u listens on %s, not only on this computer (127.0.0.1)"),
                                    fwd->host_port, fwd->address);
        }
      return NULL;
    case HG_VM_SPEC_PAGE_ARCH:
      if (self->accel != HG_ACCEL_TCG && self->arch != NULL &&
          !hg_host_caps_kvm_usable_for (self->caps, self->arch))
        return g_strdup_printf (_("Without KVM the guest is emulated (TCG), which is much slower: %s"),
                                self->caps->kvm_reason != NULL ? self->caps->kvm_reason
                                                               : _("not the host's architecture"));
      return NULL;
    case HG_VM_SPEC_PAGE_NAME:
    case HG_VM_SPEC_PAGE_SOURCE:
    case HG_VM_SPEC_PAGE_OS:
    case HG_VM_SPEC_PAGE_CONSOLE:
    case HG_VM_SPEC_PAGE_SUMMARY:
    default:
      return NULL;
    }
}

/* The file name a copied-in file gets; clashes are errors */
static char *
copy_in_name (const char  *path,
              GHashTable  *taken,
              GError     **error)
{
  g_autofree char *name = g_path_get_basename (path);

  if (!g_hash_table_add (taken, g_strdup (name)))
    {
      (void) fail (error, FAILED, _("Copy into the VM folder: two files would be called %s"), name);
      return NULL;
    }
  return g_steal_pointer (&name);
}

static HgVmConfig *
build_config (HgVmSpec  *self,
              GError   **error)
{
  g_autoptr(HgVmConfig) c = hg_vm_config_new (self->label);
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) local = NULL;

  g_hash_table_add (taken, g_strconcat (self->label, HG_CONFIG_SUFFIX, NULL));
  hg_vm_config_set_location (c, self->target_dir);
  g_free (c->uuid);
  c->uuid = g_strdup (self->uuid);
  g_free (c->arch);
  c->arch = g_strdup (self->arch);
  c->machine = g_strdup (self->machine);
  c->cpu_model = g_strdup (self->cpu_model);
  c->accel = self->accel;
  c->memory_mib = self->memory_mib;
  c->cpus = self->cpus;
  c->os_id = g_strdup (self->os_id);
  c->os_name = g_strdup (self->os_name);
  c->os_version = g_strdup (self->os_version);
  c->os_family = g_strdup (self->os_family);
  c->boot_mode = self->boot_mode;
  c->console = self->console;
  c->keymap = g_strdup (self->keymap);
  c->firmware = self->firmware;
  c->tpm = self->tpm;

  /* disk */
  if (_hg_vm_spec_uses_image (self))
    {
      HgDiskImageInfo *info = _hg_vm_spec_inspect_image (self, error);
      g_autofree char *name = _hg_vm_spec_disk_file_name (self);

      if (info == NULL)
        return NULL;
      switch (self->image_mode)
        {
        case HG_IMAGE_MODE_IN_PLACE:
          {
            g_autofree char *abs = g_canonicalize_filename (self->image_path, NULL);
            g_ptr_array_add (c->disks, hg_disk_new (abs, self->image_format, self->disk_bus));
          }
          break;
        case HG_IMAGE_MODE_COPY:
          g_ptr_array_add (c->disks, hg_disk_new (name, self->image_format, self->disk_bus));
          break;
        case HG_IMAGE_MODE_CONVERT:
        default:
          g_ptr_array_add (c->disks, hg_disk_new (name, "qcow2", self->disk_bus));
          break;
        }
      if (self->image_mode != HG_IMAGE_MODE_IN_PLACE && !g_hash_table_add (taken, g_steal_pointer (&name)))
        {
          (void) fail (error, IMAGE, _("Disk image: its name clashes with the VM's config file"));
          return NULL;
        }
    }
  else if (_hg_vm_spec_uses_new_disk (self))
    {
      g_autofree char *name = _hg_vm_spec_disk_file_name (self);

      g_ptr_array_add (c->disks, hg_disk_new (name, "qcow2", self->disk_bus));
      g_hash_table_add (taken, g_steal_pointer (&name));
    }

  /* boot files */
  if (_hg_vm_spec_uses_kernel (self))
    {
      g_autofree char *kernel = g_canonicalize_filename (self->kernel_path, NULL);
      g_autofree char *initrd = self->initrd_path != NULL
                                  ? g_canonicalize_filename (self->initrd_path, NULL) : NULL;

      c->append = g_strdup (self->append);
      if (self->copy_in)
        {
          c->kernel = copy_in_name (kernel, taken, error);
          if (c->kernel == NULL)
            return NULL;
          if (initrd != NULL && (c->initrd = copy_in_name (initrd, taken, error)) == NULL)
            return NULL;
        }
      else
        {
          c->kernel = g_steal_pointer (&kernel);
          c->initrd = g_steal_pointer (&initrd);
        }
    }
  if (_hg_vm_spec_uses_iso (self))
    {
      g_autofree char *iso = g_canonicalize_filename (self->iso_path, NULL);

      if (self->copy_in)
        {
          g_autofree char *name = copy_in_name (iso, taken, error);
          if (name == NULL)
            return NULL;
          g_ptr_array_add (c->media, hg_medium_new (HG_MEDIUM_CDROM, name));
        }
      else
        g_ptr_array_add (c->media, hg_medium_new (HG_MEDIUM_CDROM, iso));
    }

  /* network */
  if (self->net_mode != HG_NET_NONE)
    {
      HgNic *nic = hg_nic_new (self->net_mode);

      g_free (nic->mac);
      nic->mac = g_strdup (self->mac);
      if (self->nic_model != NULL)
        {
          g_free (nic->model);
          nic->model = g_strdup (self->nic_model);
        }
      if (self->net_mode == HG_NET_VDE)
        {
          g_free (nic->switch_name);
          nic->switch_name = g_strdup (self->switch_name);
        }
      if (self->net_mode == HG_NET_TAP)
        {
          g_free (nic->tap);
          nic->tap = g_strdup (self->tap);
        }
      if (self->net_mode == HG_NET_USER && self->forwards->len > 0)
        {
          if (nic->hostfwd == NULL)
            nic->hostfwd = g_ptr_array_new_with_free_func ((GDestroyNotify) hg_host_fwd_free);
          for (guint i = 0; i < self->forwards->len; i++)
            {
              HgHostFwd *fwd = _hg_vm_spec_parse_forward (self->forwards->pdata[i], error);

              if (fwd == NULL)
                {
                  hg_nic_free (nic);
                  return NULL;
                }
              g_ptr_array_add (nic->hostfwd, fwd);
            }
        }
      g_ptr_array_add (c->nics, nic);
    }

  if (!hg_vm_config_validate (c, &local))
    {
      (void) fail (error, FAILED, "%s", local->message);
      return NULL;
    }
  return g_steal_pointer (&c);
}

HgVmConfig *
hg_vm_spec_to_config (HgVmSpec  *self,
                      GError   **error)
{
  g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL);

  if (!validate_pages (self, error))
    return NULL;
  return build_config (self, error);
}

static char **
build_argv (HgVmSpec    *self,
            HgVmConfig  *config,
            HgBootMode   boot_mode,
            GError     **error)
{
  g_autofree char *root = hg_runtime_root ();
  g_autoptr(HgRuntimePaths) runtime = hg_runtime_paths_new (root, self->uuid);
  g_autoptr(GError) local = NULL;
  char **argv = hg_cmdline_build (config, boot_mode, runtime, self->caps, NULL, &local);

  if (argv == NULL)
    (void) fail (error, FAILED, _("Command line: %s"), local->message);
  return argv;
}

gboolean
hg_vm_spec_validate (HgVmSpec  *self,
                     GError   **error)
{
  g_autoptr(HgVmConfig) config = NULL;
  g_auto(GStrv) argv = NULL;

  g_return_val_if_fail (HG_IS_VM_SPEC (self), FALSE);

  config = hg_vm_spec_to_config (self, error);
  if (config == NULL)
    return FALSE;
  argv = build_argv (self, config, self->boot_mode, error);
  return argv != NULL;
}

char **
hg_vm_spec_get_argv (HgVmSpec    *self,
                     HgBootMode   boot_mode,
                     GError     **error)
{
  g_autoptr(HgVmConfig) config = NULL;

  g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL);

  config = hg_vm_spec_to_config (self, error);
  if (config == NULL)
    return NULL;
  return build_argv (self, config, boot_mode, error);
}
