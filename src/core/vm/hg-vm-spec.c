/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-spec"
#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "hg-library.h"
#include "hg-vm-spec-private.h"

/*
 * HgVmSpec: the object, its properties and defaults (the manual's
 * --auto-all), OS recommendations, MACs and port forwards.  Validation,
 * the config and the command line are in hg-vm-spec-validate.c, creation
 * in hg-vm-spec-create.c.
 */

G_DEFINE_FINAL_TYPE (HgVmSpec, hg_vm_spec, G_TYPE_OBJECT)
G_DEFINE_QUARK (hg-vm-spec-error-quark, hg_vm_spec_error)

GParamSpec *_hg_vm_spec_properties[HG_VM_SPEC_N_PROPS];
#define properties _hg_vm_spec_properties

const char *
hg_install_source_to_string (HgInstallSource source)
{
  return hg_enum_to_nick (HG_TYPE_INSTALL_SOURCE, (int) source);
}

gboolean
hg_install_source_from_string (const char      *str,
                               HgInstallSource *out)
{
  int value;

  if (!hg_enum_from_nick (HG_TYPE_INSTALL_SOURCE, str, &value))
    return FALSE;
  *out = (HgInstallSource) value;
  return TRUE;
}

const char *
hg_vm_spec_error_get_property (const GError *error)
{
  static const char *const names[] = {
    [HG_VM_SPEC_ERROR_LABEL] = "label",
    [HG_VM_SPEC_ERROR_LOCATION] = "folder",
    [HG_VM_SPEC_ERROR_SOURCE] = "source",
    [HG_VM_SPEC_ERROR_ISO] = "iso-path",
    [HG_VM_SPEC_ERROR_KERNEL] = "kernel-path",
    [HG_VM_SPEC_ERROR_IMAGE] = "image-path",
    [HG_VM_SPEC_ERROR_OS] = "os-id",
    [HG_VM_SPEC_ERROR_ARCH] = "arch",
    [HG_VM_SPEC_ERROR_ACCEL] = "accel",
    [HG_VM_SPEC_ERROR_MEMORY] = "memory-mib",
    [HG_VM_SPEC_ERROR_CPUS] = "cpus",
    [HG_VM_SPEC_ERROR_DISK_SIZE] = "disk-size",
    [HG_VM_SPEC_ERROR_DISK_BUS] = "disk-bus",
    [HG_VM_SPEC_ERROR_NETWORK] = "net-mode",
    [HG_VM_SPEC_ERROR_MAC] = "mac",
    [HG_VM_SPEC_ERROR_FORWARD] = "port-forwards",
    [HG_VM_SPEC_ERROR_CONSOLE] = "console",
    [HG_VM_SPEC_ERROR_BASE_DIR] = "base-dir",
    [HG_VM_SPEC_ERROR_INITRD] = "initrd-path",
    [HG_VM_SPEC_ERROR_APPEND] = "append",
    [HG_VM_SPEC_ERROR_MACHINE] = "machine",
    [HG_VM_SPEC_ERROR_CPU_MODEL] = "cpu-model",
    [HG_VM_SPEC_ERROR_SWITCH] = "switch-name",
    [HG_VM_SPEC_ERROR_TAP] = "tap",
    [HG_VM_SPEC_ERROR_NIC_MODEL] = "nic-model",
    [HG_VM_SPEC_ERROR_KEYMAP] = "keymap",
  };

  if (error == NULL || error->domain != HG_VM_SPEC_ERROR ||
      (guint) error->code >= G_N_ELEMENTS (names))
    return NULL;
  return names[error->code];
}

/* ---- string properties ----------------------------------------------------- */

static char **
string_field (HgVmSpec *self,
              guint     prop_id)
{
  switch (prop_id)
    {
    case HG_VM_SPEC_PROP_BASE_DIR: return &self->base_dir;
    case HG_VM_SPEC_PROP_FOLDER: return &self->folder;
    case HG_VM_SPEC_PROP_LABEL: return &self->label;
    case HG_VM_SPEC_PROP_ISO_PATH: return &self->iso_path;
    case HG_VM_SPEC_PROP_KERNEL_PATH: return &self->kernel_path;
    case HG_VM_SPEC_PROP_INITRD_PATH: return &self->initrd_path;
    case HG_VM_SPEC_PROP_APPEND: return &self->append;
    case HG_VM_SPEC_PROP_IMAGE_PATH: return &self->image_path;
    case HG_VM_SPEC_PROP_IMAGE_FORMAT: return &self->image_format;
    case HG_VM_SPEC_PROP_OS_ID: return &self->os_id;
    case HG_VM_SPEC_PROP_OS_NAME: return &self->os_name;
    case HG_VM_SPEC_PROP_OS_VERSION: return &self->os_version;
    case HG_VM_SPEC_PROP_OS_FAMILY: return &self->os_family;
    case HG_VM_SPEC_PROP_ARCH: return &self->arch;
    case HG_VM_SPEC_PROP_MACHINE: return &self->machine;
    case HG_VM_SPEC_PROP_CPU_MODEL: return &self->cpu_model;
    case HG_VM_SPEC_PROP_DISK_BUS: return &self->disk_bus;
    case HG_VM_SPEC_PROP_SWITCH_NAME: return &self->switch_name;
    case HG_VM_SPEC_PROP_TAP: return &self->tap;
    case HG_VM_SPEC_PROP_MAC: return &self->mac;
    case HG_VM_SPEC_PROP_NIC_MODEL: return &self->nic_model;
    case HG_VM_SPEC_PROP_KEYMAP: return &self->keymap;
    case HG_VM_SPEC_PROP_TARGET_DIR: return &self->target_dir;
    case HG_VM_SPEC_PROP_PROGRESS_TEXT: return &self->progress_text;
    default: return NULL;
    }
}

/* "" is stored as NULL; notifies on change only */
static gboolean
set_string (HgVmSpec   *self,
            guint       prop_id,
            const char *value)
{
  char **field = string_field (self, prop_id);

  g_assert (field != NULL);
  if (value != NULL && value[0] == '\0')
    value = NULL;
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
  return TRUE;
}

static void
update_target_dir (HgVmSpec *self)
{
  g_autofree char *parent = _hg_vm_spec_dup_parent (self);
  g_autofree char *target = NULL;

  if (self->label != NULL && parent != NULL)
    target = g_build_filename (parent, self->label, NULL);
  set_string (self, HG_VM_SPEC_PROP_TARGET_DIR, target);
}

static void
set_uint (HgVmSpec *self,
          guint    *field,
          guint     value,
          guint     prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_enum (HgVmSpec *self,
          int      *field,
          int       value,
          guint     prop_id)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

/* The defaults that follow other choices unless set explicitly */
static void
update_derived (HgVmSpec *self)
{
  if (!self->memory_explicit)
    {
      guint memory = HG_VM_SPEC_DEFAULT_MEMORY_MIB;

      if (self->os != NULL && self->os->memory_mib > 0)
        memory = self->os->memory_mib;
      else if (self->source == HG_INSTALL_SOURCE_KERNEL)
        memory = HG_VM_SPEC_KERNEL_MEMORY_MIB;
      if (self->host_memory_mib > 0)
        memory = MIN (memory, MAX (self->host_memory_mib / 2, 64));
      set_uint (self, &self->memory_mib, memory, HG_VM_SPEC_PROP_MEMORY_MIB);
    }
  if (!self->boot_mode_explicit)
    {
      HgBootMode boot = HG_BOOT_DISK;

      switch (self->source)
        {
        case HG_INSTALL_SOURCE_ISO: boot = HG_BOOT_CDROM; break;
        case HG_INSTALL_SOURCE_PXE: boot = HG_BOOT_PXE; break;
        case HG_INSTALL_SOURCE_KERNEL: boot = HG_BOOT_KERNEL; break;
        case HG_INSTALL_SOURCE_EXISTING_DISK:
        case HG_INSTALL_SOURCE_NONE:
        default: boot = HG_BOOT_DISK; break;
        }
      set_enum (self, (int *) &self->boot_mode, boot, HG_VM_SPEC_PROP_BOOT_MODE);
    }
}

static void
forget_image (HgVmSpec *self)
{
  g_clear_pointer (&self->image_key, g_free);
  g_clear_pointer (&self->image_info, hg_disk_image_info_free);
  g_clear_error (&self->image_error);
  set_string (self, HG_VM_SPEC_PROP_IMAGE_FORMAT, NULL);
}

/* ---- GObject --------------------------------------------------------------- */

static void
hg_vm_spec_finalize (GObject *object)
{
  HgVmSpec *self = HG_VM_SPEC (object);

  g_strfreev (self->bases);
  g_clear_pointer (&self->caps, hg_host_caps_unref);
  g_free (self->uuid);
  for (guint id = 1; id < HG_VM_SPEC_N_PROPS; id++)
    {
      char **field = string_field (self, id);
      if (field != NULL)
        g_clear_pointer (field, g_free);
    }
  g_clear_pointer (&self->os, hg_os_info_unref);
  g_clear_pointer (&self->forwards, g_ptr_array_unref);
  if (self->create_hook_destroy != NULL)
    self->create_hook_destroy (self->create_hook_data);
  g_clear_pointer (&self->library_macs, g_hash_table_unref);
  g_clear_pointer (&self->image_key, g_free);
  g_clear_pointer (&self->image_info, hg_disk_image_info_free);
  g_clear_error (&self->image_error);

  G_OBJECT_CLASS (hg_vm_spec_parent_class)->finalize (object);
}

static void
hg_vm_spec_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  HgVmSpec *self = HG_VM_SPEC (object);
  char **field = string_field (self, prop_id);

  if (field != NULL)
    {
      g_value_set_string (value, *field);
      return;
    }
  switch (prop_id)
    {
    case HG_VM_SPEC_PROP_BASES: g_value_set_boxed (value, self->bases); break;
    case HG_VM_SPEC_PROP_HOST_CAPS: g_value_set_pointer (value, self->caps); break;
    case HG_VM_SPEC_PROP_SOURCE: g_value_set_enum (value, self->source); break;
    case HG_VM_SPEC_PROP_IMAGE_MODE: g_value_set_enum (value, self->image_mode); break;
    case HG_VM_SPEC_PROP_COPY_IN: g_value_set_boolean (value, self->copy_in); break;
    case HG_VM_SPEC_PROP_OS_DETECTED: g_value_set_boolean (value, self->os_detected); break;
    case HG_VM_SPEC_PROP_ACCEL: g_value_set_enum (value, self->accel); break;
    case HG_VM_SPEC_PROP_MEMORY_MIB: g_value_set_uint (value, self->memory_mib); break;
    case HG_VM_SPEC_PROP_CPUS: g_value_set_uint (value, self->cpus); break;
    case HG_VM_SPEC_PROP_HOST_MEMORY_MIB: g_value_set_uint (value, self->host_memory_mib); break;
    case HG_VM_SPEC_PROP_HOST_CPUS: g_value_set_uint (value, self->host_cpus); break;
    case HG_VM_SPEC_PROP_NEW_DISK: g_value_set_boolean (value, self->new_disk); break;
    case HG_VM_SPEC_PROP_DISK_SIZE: g_value_set_uint64 (value, self->disk_size); break;
    case HG_VM_SPEC_PROP_FREE_SPACE:
      {
        g_autofree char *parent = _hg_vm_spec_dup_parent (self);
        g_value_set_uint64 (value, parent != NULL ? hg_fs_free_space (parent) : G_MAXUINT64);
      }
      break;
    case HG_VM_SPEC_PROP_NET_MODE: g_value_set_enum (value, self->net_mode); break;
    case HG_VM_SPEC_PROP_PORT_FORWARDS:
      {
        GStrv strv = g_new0 (char *, self->forwards->len + 1);
        for (guint i = 0; i < self->forwards->len; i++)
          strv[i] = g_strdup (self->forwards->pdata[i]);
        g_value_take_boxed (value, strv);
      }
      break;
    case HG_VM_SPEC_PROP_CONSOLE: g_value_set_enum (value, self->console); break;
    case HG_VM_SPEC_PROP_FIRMWARE: g_value_set_enum (value, self->firmware); break;
    case HG_VM_SPEC_PROP_TPM: g_value_set_boolean (value, self->tpm); break;
    case HG_VM_SPEC_PROP_BOOT_MODE: g_value_set_enum (value, self->boot_mode); break;
    case HG_VM_SPEC_PROP_BUSY: g_value_set_boolean (value, self->busy); break;
    case HG_VM_SPEC_PROP_PROGRESS: g_value_set_double (value, self->progress); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hg_vm_spec_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  HgVmSpec *self = HG_VM_SPEC (object);

  switch (prop_id)
    {
    case HG_VM_SPEC_PROP_BASES:
      self->bases = g_value_dup_boxed (value);
      break;
    case HG_VM_SPEC_PROP_HOST_CAPS:
      if (g_value_get_pointer (value) != NULL)
        self->caps = hg_host_caps_ref (g_value_get_pointer (value));
      break;
    case HG_VM_SPEC_PROP_BASE_DIR:
    case HG_VM_SPEC_PROP_FOLDER:
    case HG_VM_SPEC_PROP_LABEL:
      if (set_string (self, prop_id, g_value_get_string (value)))
        update_target_dir (self);
      break;
    case HG_VM_SPEC_PROP_IMAGE_PATH:
      if (set_string (self, prop_id, g_value_get_string (value)))
        forget_image (self);
      break;
    case HG_VM_SPEC_PROP_ISO_PATH:
      if (set_string (self, prop_id, g_value_get_string (value)) && self->os_detected)
        {
          /* what was detected belonged to the previous ISO */
          self->os_detected = FALSE;
          g_object_notify_by_pspec (object, properties[HG_VM_SPEC_PROP_OS_DETECTED]);
        }
      break;
    case HG_VM_SPEC_PROP_KERNEL_PATH:
    case HG_VM_SPEC_PROP_INITRD_PATH:
    case HG_VM_SPEC_PROP_APPEND:
    case HG_VM_SPEC_PROP_OS_ID:
    case HG_VM_SPEC_PROP_OS_NAME:
    case HG_VM_SPEC_PROP_OS_VERSION:
    case HG_VM_SPEC_PROP_OS_FAMILY:
    case HG_VM_SPEC_PROP_ARCH:
    case HG_VM_SPEC_PROP_MACHINE:
    case HG_VM_SPEC_PROP_CPU_MODEL:
    case HG_VM_SPEC_PROP_DISK_BUS:
    case HG_VM_SPEC_PROP_SWITCH_NAME:
    case HG_VM_SPEC_PROP_TAP:
    case HG_VM_SPEC_PROP_NIC_MODEL:
    case HG_VM_SPEC_PROP_KEYMAP:
      set_string (self, prop_id, g_value_get_string (value));
      break;
    case HG_VM_SPEC_PROP_MAC:
      {
        const char *mac = g_value_get_string (value);
        g_autofree char *lower = mac != NULL ? g_ascii_strdown (mac, -1) : NULL;
        set_string (self, prop_id, lower);
      }
      break;
    case HG_VM_SPEC_PROP_SOURCE:
      set_enum (self, (int *) &self->source, g_value_get_enum (value), prop_id);
      update_derived (self);
      break;
    case HG_VM_SPEC_PROP_IMAGE_MODE:
      set_enum (self, (int *) &self->image_mode, g_value_get_enum (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_COPY_IN:
      if (self->copy_in != g_value_get_boolean (value))
        {
          self->copy_in = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case HG_VM_SPEC_PROP_ACCEL:
      set_enum (self, (int *) &self->accel, g_value_get_enum (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_MEMORY_MIB:
      self->memory_explicit = TRUE;
      set_uint (self, &self->memory_mib, g_value_get_uint (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_CPUS:
      set_uint (self, &self->cpus, g_value_get_uint (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_NEW_DISK:
      if (self->new_disk != g_value_get_boolean (value))
        {
          self->new_disk = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case HG_VM_SPEC_PROP_DISK_SIZE:
      self->disk_size_explicit = TRUE;
      if (self->disk_size != g_value_get_uint64 (value))
        {
          self->disk_size = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case HG_VM_SPEC_PROP_NET_MODE:
      set_enum (self, (int *) &self->net_mode, g_value_get_enum (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_PORT_FORWARDS:
      {
        const char * const *strv = g_value_get_boxed (value);

        g_ptr_array_set_size (self->forwards, 0);
        for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
          g_ptr_array_add (self->forwards, g_strdup (strv[i]));
        g_object_notify_by_pspec (object, pspec);
      }
      break;
    case HG_VM_SPEC_PROP_CONSOLE:
      set_enum (self, (int *) &self->console, g_value_get_enum (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_FIRMWARE:
      set_enum (self, (int *) &self->firmware, g_value_get_enum (value), prop_id);
      break;
    case HG_VM_SPEC_PROP_TPM:
      if (self->tpm != g_value_get_boolean (value))
        {
          self->tpm = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case HG_VM_SPEC_PROP_BOOT_MODE:
      self->boot_mode_explicit = TRUE;
      set_enum (self, (int *) &self->boot_mode, g_value_get_enum (value), prop_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static guint
host_memory_mib (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);

  if (pages <= 0 || page_size <= 0)
    return HG_CONFIG_MAX_MEMORY_MIB;
  return (guint) MIN ((guint64) pages * (guint64) page_size / (1024 * 1024),
                      (guint64) HG_CONFIG_MAX_MEMORY_MIB);
}

static void
hg_vm_spec_constructed (GObject *object)
{
  HgVmSpec *self = HG_VM_SPEC (object);

  G_OBJECT_CLASS (hg_vm_spec_parent_class)->constructed (object);

  if (self->bases == NULL || self->bases[0] == NULL)
    {
      g_strfreev (self->bases);
      self->bases = hg_library_configured_bases ();
    }
  if (self->caps == NULL)
    self->caps = hg_host_caps_probe ();
  self->arch = g_strdup (self->caps->host_arch != NULL ? self->caps->host_arch : "x86_64");
  update_derived (self);
  update_target_dir (self);
  hg_vm_spec_generate_mac (self);
}

static void
hg_vm_spec_class_init (HgVmSpecClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = hg_vm_spec_finalize;
  object_class->get_property = hg_vm_spec_get_property;
  object_class->set_property = hg_vm_spec_set_property;
  object_class->constructed = hg_vm_spec_constructed;

#define STR(ID, name, flags) \
  properties[HG_VM_SPEC_PROP_##ID] = g_param_spec_string (name, NULL, NULL, NULL, flags)
#define BOOL(ID, name, def, flags) \
  properties[HG_VM_SPEC_PROP_##ID] = g_param_spec_boolean (name, NULL, NULL, def, flags)
#define ENUM(ID, name, type, def, flags) \
  properties[HG_VM_SPEC_PROP_##ID] = g_param_spec_enum (name, NULL, NULL, type, def, flags)
#define UINT(ID, name, min, max, def, flags) \
  properties[HG_VM_SPEC_PROP_##ID] = g_param_spec_uint (name, NULL, NULL, min, max, def, flags)

  properties[HG_VM_SPEC_PROP_BASES] =
    g_param_spec_boxed ("bases", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* HgHostCaps* (a ref is taken); NULL = hg_host_caps_probe () */
  properties[HG_VM_SPEC_PROP_HOST_CAPS] =
    g_param_spec_pointer ("host-caps", NULL, NULL,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  STR (BASE_DIR, "base-dir", rw);
  STR (FOLDER, "folder", rw);
  STR (LABEL, "label", rw);
  STR (TARGET_DIR, "target-dir", ro);
  ENUM (SOURCE, "source", HG_TYPE_INSTALL_SOURCE, HG_INSTALL_SOURCE_NONE, rw);
  STR (ISO_PATH, "iso-path", rw);
  STR (KERNEL_PATH, "kernel-path", rw);
  STR (INITRD_PATH, "initrd-path", rw);
  STR (APPEND, "append", rw);
  STR (IMAGE_PATH, "image-path", rw);
  ENUM (IMAGE_MODE, "image-mode", HG_TYPE_IMAGE_MODE, HG_IMAGE_MODE_IN_PLACE, rw);
  STR (IMAGE_FORMAT, "image-format", ro);
  BOOL (COPY_IN, "copy-in", FALSE, rw);
  STR (OS_ID, "os-id", rw);
  STR (OS_NAME, "os-name", rw);
  STR (OS_VERSION, "os-version", rw);
  STR (OS_FAMILY, "os-family", rw);
  BOOL (OS_DETECTED, "os-detected", FALSE, ro);
  STR (ARCH, "arch", rw);
  ENUM (ACCEL, "accel", HG_TYPE_ACCEL, HG_ACCEL_AUTO, rw);
  STR (MACHINE, "machine", rw);
  STR (CPU_MODEL, "cpu-model", rw);
  UINT (MEMORY_MIB, "memory-mib", 0, G_MAXUINT, HG_VM_SPEC_DEFAULT_MEMORY_MIB, rw);
  UINT (CPUS, "cpus", 0, G_MAXUINT, 1, rw);
  UINT (HOST_MEMORY_MIB, "host-memory-mib", 0, G_MAXUINT, 0, ro);
  UINT (HOST_CPUS, "host-cpus", 0, G_MAXUINT, 0, ro);
  BOOL (NEW_DISK, "new-disk", TRUE, rw);
  properties[HG_VM_SPEC_PROP_DISK_SIZE] =
    g_param_spec_uint64 ("disk-size", NULL, NULL, 0, G_MAXUINT64, HG_VM_SPEC_DEFAULT_DISK_BYTES, rw);
  STR (DISK_BUS, "disk-bus", rw);
  properties[HG_VM_SPEC_PROP_FREE_SPACE] =
    g_param_spec_uint64 ("free-space", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  ENUM (NET_MODE, "net-mode", HG_TYPE_NET_MODE, HG_NET_USER, rw);
  STR (SWITCH_NAME, "switch-name", rw);
  STR (TAP, "tap", rw);
  STR (MAC, "mac", rw);
  STR (NIC_MODEL, "nic-model", rw);
  properties[HG_VM_SPEC_PROP_PORT_FORWARDS] =
    g_param_spec_boxed ("port-forwards", NULL, NULL, G_TYPE_STRV, rw);
  ENUM (CONSOLE, "console", HG_TYPE_CONSOLE, HG_CONSOLE_VNC, rw);
  STR (KEYMAP, "keymap", rw);
  ENUM (FIRMWARE, "firmware", HG_TYPE_FIRMWARE_KIND, HG_FIRMWARE_BIOS, rw);
  BOOL (TPM, "tpm", FALSE, rw);
  ENUM (BOOT_MODE, "boot-mode", HG_TYPE_BOOT_MODE, HG_BOOT_DISK, rw);
  BOOL (BUSY, "busy", FALSE, ro);
  properties[HG_VM_SPEC_PROP_PROGRESS] =
    g_param_spec_double ("progress", NULL, NULL, -1.0, 1.0, 0.0, ro);
  STR (PROGRESS_TEXT, "progress-text", ro);

#undef STR
#undef BOOL
#undef ENUM
#undef UINT

  g_object_class_install_properties (object_class, HG_VM_SPEC_N_PROPS, properties);
}

static void
hg_vm_spec_init (HgVmSpec *self)
{
  self->uuid = g_uuid_string_random ();
  self->source = HG_INSTALL_SOURCE_NONE;
  self->image_mode = HG_IMAGE_MODE_IN_PLACE;
  self->accel = HG_ACCEL_AUTO;
  self->memory_mib = HG_VM_SPEC_DEFAULT_MEMORY_MIB;
  self->cpus = 1;
  self->host_memory_mib = host_memory_mib ();
  self->host_cpus = g_get_num_processors ();
  self->new_disk = TRUE;
  self->disk_size = HG_VM_SPEC_DEFAULT_DISK_BYTES;
  self->net_mode = HG_NET_USER;
  self->switch_name = g_strdup ("default");
  self->forwards = g_ptr_array_new_with_free_func (g_free);
  self->console = HG_CONSOLE_VNC;
  self->boot_mode = HG_BOOT_DISK;
}

HgVmSpec *
hg_vm_spec_new (const char * const *bases,
                HgHostCaps         *caps)
{
  HgVmSpec *self;

  self = g_object_new (HG_TYPE_VM_SPEC, "bases", bases, "host-caps", caps, NULL);
  return self;
}

HgHostCaps *
hg_vm_spec_get_host_caps (HgVmSpec *self)
{
  g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL);
  return self->caps;
}

/* ---- getters ------------------------------------------------------------- */

const char *hg_vm_spec_get_label (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL); return self->label; }
const char *hg_vm_spec_get_target_dir (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL); return self->target_dir; }
HgInstallSource hg_vm_spec_get_source (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), HG_INSTALL_SOURCE_NONE); return self->source; }
const char *hg_vm_spec_get_arch (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL); return self->arch; }
guint hg_vm_spec_get_memory_mib (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), 0); return self->memory_mib; }
guint64 hg_vm_spec_get_disk_size (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), 0); return self->disk_size; }
const char *hg_vm_spec_get_mac (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL); return self->mac; }
HgBootMode hg_vm_spec_get_boot_mode (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), HG_BOOT_DISK); return self->boot_mode; }
gboolean hg_vm_spec_get_busy (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), FALSE); return self->busy; }
double hg_vm_spec_get_progress (HgVmSpec *self) { g_return_val_if_fail (HG_IS_VM_SPEC (self), 0); return self->progress; }

/* ---- private helpers ------------------------------------------------------- */

void
_hg_vm_spec_set_busy (HgVmSpec *self,
                      gboolean  busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[HG_VM_SPEC_PROP_BUSY]);
}

void
_hg_vm_spec_set_progress (HgVmSpec   *self,
                          double      fraction,
                          const char *text)
{
  if (self->progress != fraction)
    {
      self->progress = fraction;
      g_object_notify_by_pspec (G_OBJECT (self), properties[HG_VM_SPEC_PROP_PROGRESS]);
    }
  if (text != NULL)
    set_string (self, HG_VM_SPEC_PROP_PROGRESS_TEXT, text);
}

char *
_hg_vm_spec_dup_base (HgVmSpec *self)
{
  const char *base = self->base_dir;

  if (base == NULL && self->bases != NULL)
    base = self->bases[0];
  if (base == NULL)
    return NULL;
  return g_canonicalize_filename (base, NULL);
}

char *
_hg_vm_spec_dup_parent (HgVmSpec *self)
{
  g_autofree char *base = _hg_vm_spec_dup_base (self);

  if (base == NULL)
    return NULL;
  if (self->folder != NULL && self->folder[0] != '\0' && _hg_vm_spec_folder_is_valid (self->folder))
    return g_build_filename (base, self->folder, NULL);
  return g_steal_pointer (&base);
}

gboolean
_hg_vm_spec_folder_is_valid (const char *folder)
{
  g_auto(GStrv) parts = NULL;

  if (folder == NULL || folder[0] == '\0')
    return TRUE;
  if (folder[0] == '/' || !g_utf8_validate (folder, -1, NULL))
    return FALSE;
  for (const char *p = folder; *p != '\0'; p++)
    if (g_ascii_iscntrl (*p))
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

GHashTable *
_hg_vm_spec_library_macs (HgVmSpec *self)
{
  if (self->library_macs == NULL)
    {
      g_autoptr(GPtrArray) entries = NULL;

      self->library_macs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      entries = hg_library_scan ((const char * const *) self->bases, NULL);
      for (guint i = 0; i < entries->len; i++)
        {
          HgLibraryEntry *entry = entries->pdata[i];

          if (entry->config == NULL)
            continue;
          for (guint n = 0; n < entry->config->nics->len; n++)
            {
              HgNic *nic = entry->config->nics->pdata[n];

              if (nic->mac != NULL)
                g_hash_table_replace (self->library_macs, g_ascii_strdown (nic->mac, -1),
                                      g_strdup (entry->path));
            }
        }
    }
  return self->library_macs;
}

/* ---- MAC, forwards, OS ------------------------------------------------------- */

const char *
hg_vm_spec_generate_mac (HgVmSpec *self)
{
  GHashTable *taken;

  g_return_val_if_fail (HG_IS_VM_SPEC (self), NULL);

  taken = _hg_vm_spec_library_macs (self);
  for (guint tries = 0; tries < 1000; tries++)
    {
      g_autofree char *mac = hg_mac_generate ();

      if (!g_hash_table_contains (taken, mac) || tries == 999)
        {
          set_string (self, HG_VM_SPEC_PROP_MAC, mac);
          break;
        }
    }
  return self->mac;
}

static HgHostFwd *forward_error (GError     **error,
                                 const char  *format,
                                 ...) G_GNUC_PRINTF (2, 3);

static HgHostFwd *
forward_error (GError     **error,
               const char  *format,
               ...)
{
  va_list args;

  va_start (args, format);
  if (error != NULL)
    *error = g_error_new_valist (HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD, format, args);
  va_end (args);
  return NULL;
}

HgHostFwd *
_hg_vm_spec_parse_forward (const char *text,
                           GError    **error)
{
  g_autoptr(GString) norm = NULL;
  g_auto(GStrv) parts = NULL;
  const char *proto = "tcp", *address = NULL;
  guint64 h, g;
  HgHostFwd *fwd;
  guint n, i = 0;

  if (text == NULL || *text == '\0')
    return forward_error (error, _("Port forward: empty"));
  /* QEMU's own spelling HOST-:GUEST or HOST-GUEST means HOST:GUEST */
  norm = g_string_new (text);
  g_string_replace (norm, "-:", ":", 0);
  {
    char *last = strrchr (norm->str, ':');
    char *dash = strchr (last != NULL ? last : norm->str, '-');

    if (dash != NULL)
      *dash = ':';
  }
  /* [PROTO:][ADDRESS:]HOST:GUEST */
  parts = g_strsplit (norm->str, ":", -1);
  n = g_strv_length (parts);
  if (n > 2 && (g_str_equal (parts[0], "tcp") || g_str_equal (parts[0], "udp")))
    proto = parts[i++];
  else if (n > 2 && !hg_host_fwd_address_is_valid (parts[0]))
    return forward_error (error, _("Port forward “%s”: the protocol must be tcp or udp"), text);
  if (n - i == 3)
    {
      address = parts[i++];
      if (!hg_host_fwd_address_is_valid (address))
        return forward_error (error, _("Port forward “%s”: “%s” is not an IPv4 address to "
                                       "listen on (e.g. 0.0.0.0)"), text, address);
    }
  if (n - i != 2)
    return forward_error (error, _("Port forward “%s” is not [tcp:|udp:][ADDRESS:]HOST:GUEST "
                                   "(e.g. 2222:22)"), text);
  if (!g_ascii_string_to_unsigned (parts[i], 10, 1, 65535, &h, NULL))
    return forward_error (error, _("Port forward “%s”: the host port must be 1 to 65535"), text);
  if (!g_ascii_string_to_unsigned (parts[i + 1], 10, 1, 65535, &g, NULL))
    return forward_error (error, _("Port forward “%s”: the guest port must be 1 to 65535"), text);

  fwd = g_new0 (HgHostFwd, 1);
  fwd->proto = g_strdup (proto);
  fwd->address = g_strdup (address);
  fwd->host_port = (guint16) h;
  fwd->guest_port = (guint16) g;
  return fwd;
}

char *
_hg_vm_spec_format_forward (const HgHostFwd *fwd)
{
  if (fwd->address != NULL)
    return g_strdup_printf ("%s:%s:%u:%u", fwd->proto, fwd->address, fwd->host_port,
                            fwd->guest_port);
  return g_strdup_printf ("%s:%u:%u", fwd->proto, fwd->host_port, fwd->guest_port);
}

gboolean
hg_vm_spec_add_port_forward (HgVmSpec    *self,
                             const char  *spec,
                             GError     **error)
{
  g_autoptr(HgHostFwd) fwd = NULL;

  g_return_val_if_fail (HG_IS_VM_SPEC (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  fwd = _hg_vm_spec_parse_forward (spec, error);
  if (fwd == NULL)
    return FALSE;
  for (guint i = 0; i < self->forwards->len; i++)
    {
      g_autoptr(HgHostFwd) other = _hg_vm_spec_parse_forward (self->forwards->pdata[i], NULL);

      if (other != NULL && other->host_port == fwd->host_port &&
          g_str_equal (other->proto, fwd->proto))
        {
          g_set_error (error, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_FORWARD,
                       _("Port forward: host port %u/%s is forwarded already"), fwd->host_port,
                       fwd->proto);
          return FALSE;
        }
    }
  g_ptr_array_add (self->forwards, _hg_vm_spec_format_forward (fwd));
  g_object_notify_by_pspec (G_OBJECT (self), properties[HG_VM_SPEC_PROP_PORT_FORWARDS]);
  return TRUE;
}

void
hg_vm_spec_remove_port_forward (HgVmSpec *self,
                                guint     index)
{
  g_return_if_fail (HG_IS_VM_SPEC (self));
  g_return_if_fail (index < self->forwards->len);

  g_ptr_array_remove_index (self->forwards, index);
  g_object_notify_by_pspec (G_OBJECT (self), properties[HG_VM_SPEC_PROP_PORT_FORWARDS]);
}

void
hg_vm_spec_clear_port_forwards (HgVmSpec *self)
{
  g_return_if_fail (HG_IS_VM_SPEC (self));

  if (self->forwards->len == 0)
    return;
  g_ptr_array_set_size (self->forwards, 0);
  g_object_notify_by_pspec (G_OBJECT (self), properties[HG_VM_SPEC_PROP_PORT_FORWARDS]);
}

static gboolean
is_x86 (const char *arch)
{
  return g_strcmp0 (arch, "x86_64") == 0 || g_strcmp0 (arch, "i386") == 0;
}

static void
apply_os_full (HgVmSpec *self,
               HgOsInfo *os,
               gboolean  detected)
{
  GObject *object = G_OBJECT (self);

  g_object_freeze_notify (object);
  g_clear_pointer (&self->os, hg_os_info_unref);
  if (os != NULL)
    self->os = hg_os_info_ref (os);
  set_string (self, HG_VM_SPEC_PROP_OS_ID, os != NULL ? os->id : NULL);
  set_string (self, HG_VM_SPEC_PROP_OS_NAME, os != NULL ? os->name : NULL);
  set_string (self, HG_VM_SPEC_PROP_OS_VERSION, os != NULL ? os->version : NULL);
  set_string (self, HG_VM_SPEC_PROP_OS_FAMILY, os != NULL ? os->family : NULL);
  if (self->os_detected != detected)
    {
      self->os_detected = detected;
      g_object_notify_by_pspec (object, properties[HG_VM_SPEC_PROP_OS_DETECTED]);
    }
  if (os != NULL)
    {
      /* a detected medium's arch, if an emulator for it is installed */
      if (detected && os->arch != NULL && hg_host_caps_get_emulator (self->caps, os->arch) != NULL)
        set_string (self, HG_VM_SPEC_PROP_ARCH, os->arch);
      self->memory_explicit = FALSE;
      if (os->cpus > 0)
        set_uint (self, &self->cpus, MIN (os->cpus, MAX (self->host_cpus, 1)), HG_VM_SPEC_PROP_CPUS);
      if (os->disk_bytes > 0)
        {
          self->disk_size_explicit = FALSE;
          if (self->disk_size != os->disk_bytes)
            {
              self->disk_size = os->disk_bytes;
              g_object_notify_by_pspec (object, properties[HG_VM_SPEC_PROP_DISK_SIZE]);
            }
        }
      /* device recommendations are PCI devices: x86 only */
      if (is_x86 (self->arch))
        {
          set_string (self, HG_VM_SPEC_PROP_DISK_BUS, os->disk_bus);
          set_string (self, HG_VM_SPEC_PROP_NIC_MODEL, os->nic_model);
        }
    }
  update_derived (self);
  g_object_thaw_notify (object);
}

void
hg_vm_spec_apply_os (HgVmSpec *self,
                     HgOsInfo *os)
{
  g_return_if_fail (HG_IS_VM_SPEC (self));
  apply_os_full (self, os, FALSE);
}

static void
detected (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  HgVmSpec *self = g_task_get_source_object (task);
  GError *error = NULL;
  HgOsInfo *os = hg_osinfo_detect_iso_finish (result, &error);

  (void) source;
  if (os == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_strcmp0 (g_task_get_task_data (task), self->iso_path) == 0)
    apply_os_full (self, os, TRUE);
  g_task_return_pointer (task, os, (GDestroyNotify) hg_os_info_unref);
}

void
hg_vm_spec_detect_os_async (HgVmSpec            *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HG_IS_VM_SPEC (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hg_vm_spec_detect_os_async);
  if (self->iso_path == NULL)
    {
      g_task_return_new_error (task, HG_VM_SPEC_ERROR, HG_VM_SPEC_ERROR_ISO,
                               _("ISO image: choose an ISO image to detect its system"));
      return;
    }
  g_task_set_task_data (task, g_strdup (self->iso_path), g_free);
  hg_osinfo_detect_iso_async (self->iso_path, cancellable, detected, g_steal_pointer (&task));
}

HgOsInfo *
hg_vm_spec_detect_os_finish (HgVmSpec      *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
hg_vm_spec_set_create_hook (HgVmSpec           *self,
                            HgVmSpecCreateHook  hook,
                            gpointer            user_data,
                            GDestroyNotify      destroy)
{
  g_return_if_fail (HG_IS_VM_SPEC (self));

  if (self->create_hook_destroy != NULL)
    self->create_hook_destroy (self->create_hook_data);
  self->create_hook = hook;
  self->create_hook_data = user_data;
  self->create_hook_destroy = destroy;
}
