/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hg-vm-config.h"

G_BEGIN_DECLS

/*
 * Disk images and install media, treated as untrusted input:
 *  - hg_disk_image_check / hg_disk_image_inspect (hg-disk-image-check.c):
 *    `qemu-img info --output=json` layer by layer (never letting qemu-img
 *    open a backing file, data file or extent before it is checked),
 *    refusing one outside the allowed folders or on the network (nbd:,
 *    http:, json:, any protocol prefix) with the reason; HgVmImages, a
 *    VM's checked chains, made at every use;
 *  - new qcow2, copy and `qemu-img convert -p` with progress and cancel;
 *  - the ISO 9660 check of an install medium ("CD001" at 0x8001);
 *  - sizes "8G"/"512M" and the free space of a filesystem.
 * qemu-img is found as $HANGAR_QEMU_DIR/qemu-img or on $PATH.
 */

#define HG_DISK_IMAGE_ERROR (hg_disk_image_error_quark ())

typedef enum {
  HG_DISK_IMAGE_ERROR_NO_TOOL,          /* qemu-img is not installed */
  HG_DISK_IMAGE_ERROR_NOT_FOUND,        /* no such file */
  HG_DISK_IMAGE_ERROR_UNREADABLE,       /* cannot be opened/read */
  HG_DISK_IMAGE_ERROR_NOT_ISO,          /* no ISO 9660 signature */
  HG_DISK_IMAGE_ERROR_INVALID,          /* qemu-img cannot read it / bad JSON */
  HG_DISK_IMAGE_ERROR_UNKNOWN_FORMAT,   /* a format Hangar does not boot */
  HG_DISK_IMAGE_ERROR_BACKING_OUTSIDE,  /* backing file outside the folder */
  HG_DISK_IMAGE_ERROR_BACKING_NETWORK,  /* backing file is a protocol/URL */
  HG_DISK_IMAGE_ERROR_BACKING_MISSING,  /* backing file does not exist */
  HG_DISK_IMAGE_ERROR_FAILED,           /* qemu-img create/convert failed */
  HG_DISK_IMAGE_ERROR_INVALID_SIZE,     /* a size that does not parse */
} HgDiskImageError;

GQuark hg_disk_image_error_quark (void);

/* What to do with an existing disk image */
typedef enum {
  HG_IMAGE_MODE_IN_PLACE, /*< nick=in-place >*/ /* use it where it is */
  HG_IMAGE_MODE_COPY, /*< nick=copy >*/ /* copy it into the VM folder as it is */
  HG_IMAGE_MODE_CONVERT, /*< nick=convert >*/ /* qemu-img convert to a standalone qcow2 */
} HgImageMode;

/* The nicks of HG_TYPE_IMAGE_MODE: "in-place", "copy", "convert" */
const char *hg_image_mode_to_string   (HgImageMode mode);
gboolean    hg_image_mode_from_string (const char *str, HgImageMode *out);

/* One layer of an image (the top first). */
typedef struct {
  char    *filename;          /* absolute path */
  char    *format;            /* as qemu-img found it: qcow2, raw ... */
  guint64  virtual_size;
  guint64  actual_size;
  char    *backing_filename;  /* as written in the image, or NULL */
  char    *backing_format;    /* as written, or NULL */
  gboolean encrypted;
} HgDiskImageLayer;

typedef struct {
  GPtrArray *layers;          /* HgDiskImageLayer*, top first, >= 1 */
} HgDiskImageInfo;

void hg_disk_image_info_free  (HgDiskImageInfo *info);
void hg_disk_image_layer_free (HgDiskImageLayer *layer);

/* qemu-img path or NULL */
char    *hg_disk_image_find_qemu_img (void);

/* Inspects an untrusted image: the top layer with `qemu-img info
 * --output=json -U`, then each backing file only after it passed: no
 * protocol ("nbd:", "http:", "json:", "file:" ...), it must exist and
 * resolve (symlinks followed) inside allowed_dir (NULL = the image's own
 * folder).  A format not in hg_disk_formats() is refused.  Errors name the
 * image, the backing file and the reason.  Blocking (runs qemu-img). */
HgDiskImageInfo *hg_disk_image_inspect (const char    *path,
                                        const char    *allowed_dir,
                                        GCancellable  *cancellable,
                                        GError       **error);
/* The same check for an image as a VM uses it: format is the configured
 * one, never probed (a raw file starting with a qcow2 header stays raw;
 * raw is checked without qemu-img: it names no other file).  Backing
 * files, VMDK extents and qcow2 data files must resolve inside one of
 * folders or the image's own folder; a backing file may also be one of
 * allow_backing (files or folders, the user's [disk:N] allow-backing)
 * if it is not raw (a raw "image" could be any host file).  where names
 * the folders in messages ("the VM's folder /vms/x").  A backing file
 * with no recorded format is probed, and refused if it looks raw.  path
 * is absolute.  Blocking (runs qemu-img). */
HgDiskImageInfo *hg_disk_image_check   (const char          *path,
                                        const char          *format,
                                        const char * const  *folders,
                                        const char * const  *allow_backing,
                                        const char          *where,
                                        GCancellable        *cancellable,
                                        GError             **error);
/* The same parse of qemu-img's JSON (one object, or the array of
 * --backing-chain), for tests: no checks. */
HgDiskImageInfo *hg_disk_image_info_parse (const char *json,
                                           GError    **error);

/* The images of a VM, each checked with hg_disk_image_check against its
 * configured format, the VM's folder and its [disk:N] allow-backing:
 * what command assembly hands QEMU as explicit -blockdev nodes.  Made at
 * every use (start, media change, snapshot load, import). */
typedef struct {
  GPtrArray *disks;   /* HgDiskImageInfo*, one per config->disks */
  GPtrArray *media;   /* HgDiskImageInfo* or NULL (empty drive), one per config->media */
  HgDiskImageInfo *nvram; /* the UEFI variables (hg-firmware.h), checked by
                           * the start that made them; NULL otherwise */
  GPtrArray *overlays;    /* a throwaway start (hg-throwaway.h): char*, the
                           * temporary qcow2 over each disk; NULL otherwise */
} HgVmImages;

void        hg_vm_images_free         (HgVmImages *images);
/* Errors name the group ("[disk:0] /vms/x/x.qcow2: refused: its backing
 * file “/etc/shadow” is outside the VM's folder /vms/x ...").  Blocking. */
HgVmImages *hg_vm_images_check        (HgVmConfig          *config,
                                       GCancellable        *cancellable,
                                       GError             **error);
/* The same in a thread (the config's values are copied first) */
void        hg_vm_images_check_async  (HgVmConfig          *config,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data);
HgVmImages *hg_vm_images_check_finish (GAsyncResult        *result,
                                       GError             **error);
/* Only the disks (a snapshot load): the media are left NULL; finish with
 * hg_vm_images_check_finish() */
void        hg_vm_images_check_disks_async (HgVmConfig          *config,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* One new medium for a drive of the VM (media change), in a thread: the
 * same rules, the VM's folder allowed for its backing files. */
void        hg_vm_images_check_medium_async  (HgVmConfig          *config,
                                              const char          *path,
                                              const char          *format,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
HgDiskImageInfo *hg_vm_images_check_medium_finish (GAsyncResult  *result,
                                                   GError       **error);

/* Progress of long work: fraction 0..1 (or -1 when unknown), called in
 * the thread-default main context of the _async call, by the thread that
 * runs it (never by a worker), and never after the _async callback. */
typedef void (*HgDiskImageProgress) (double fraction, gpointer user_data);

/* qemu-img create -f qcow2 PATH BYTES (fails if PATH exists). */
void     hg_disk_image_create_async  (const char          *path,
                                      guint64              bytes,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean hg_disk_image_create_finish (GAsyncResult *result, GError **error);
/* qemu-img create -f FORMAT PATH BYTES (qcow2, raw, vmdk, vdi, vhdx);
 * finish with hg_disk_image_create_finish() */
void     hg_disk_image_create_full_async (const char          *path,
                                          const char          *format,
                                          guint64              bytes,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);

/* Copies src to dest (which must not exist) in a thread, sparse-aware:
 * only the data extents (SEEK_DATA/SEEK_HOLE) are read, in 4 MiB blocks,
 * and blocks of zeroes are not written, so holes stay holes; with
 * progress and cancel; a partial dest is removed on failure. */
void     hg_disk_image_copy_async    (const char          *src,
                                      const char          *dest,
                                      HgDiskImageProgress  progress,
                                      gpointer             progress_data,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean hg_disk_image_copy_finish   (GAsyncResult *result, GError **error);

/* qemu-img convert -p -f SRC_FORMAT -O qcow2 SRC DEST, its "(x/100%)"
 * output parsed for progress; cancel kills qemu-img; a partial dest is
 * removed on failure. */
void     hg_disk_image_convert_async (const char          *src,
                                      const char          *src_format,
                                      const char          *dest,
                                      HgDiskImageProgress  progress,
                                      gpointer             progress_data,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean hg_disk_image_convert_finish (GAsyncResult *result, GError **error);
/* The same into dest_format, with -c (compressed clusters, qcow2 only)
 * when compress; zeroes are never written (qemu-img's default -S 4k).
 * Finish with hg_disk_image_convert_finish(). */
void     hg_disk_image_convert_full_async (const char          *src,
                                           const char          *src_format,
                                           const char          *dest,
                                           const char          *dest_format,
                                           gboolean             compress,
                                           HgDiskImageProgress  progress,
                                           gpointer             progress_data,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/* An ISO 9660 image: readable, "CD001" at byte 0x8001.  Errors
 * NOT_FOUND / UNREADABLE / NOT_ISO name the file. */
gboolean hg_iso_check               (const char *path, GError **error);

/* "8G", "512M", "20GiB", "1T", bare bytes; 0 / "none" = 0.
 * INVALID_SIZE otherwise. */
gboolean hg_size_parse              (const char *text, guint64 *out, GError **error);
/* "8 GiB" style, for messages */
char    *hg_size_format             (guint64 bytes);
/* Free bytes of the filesystem holding path or its nearest existing
 * parent; G_MAXUINT64 when it cannot be told. */
guint64  hg_fs_free_space           (const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgDiskImageInfo, hg_disk_image_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HgVmImages, hg_vm_images_free)

G_END_DECLS
