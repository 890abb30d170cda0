// SPDX-License-Identifier: GPL-2.0
/*
 * KVM memslots backed by pfnmaps, for every provider and level
 * (lib/pfnmap/pfnmap_provider.h), seen from a guest (lib/kvm/kvm_vm.h) at the
 * sample offsets of lib/follow/follow_util.h.
 *
 * GUP refuses a VM_PFNMAP VMA, so KVM's hva_to_pfn() takes
 * hva_to_pfn_remapped(): follow_pfnmap_start() for the pfn, and
 * fixup_user_fault() first when nothing is mapped yet (the provider's
 * huge_fault maps it).  The pfn must be that of the exact 4 KiB page the
 * guest addresses inside a PTE, PMD or PUD leaf; a wrong mask shows the
 * guest another page's data.  Guest writes must land in the pfns (the
 * host mapping and the second path see them), dirty logging must name
 * exactly the written pages, a deleted memslot turns the guest's access
 * into an MMIO exit and leaves the mapping alone, and a mapping unmapped
 * under a live memslot (the MMU notifier zaps the guest's entries) makes
 * the next guest access fail with EFAULT rather than reach the old pfns.
 *
 * Where the guest may not write through the mapping (kvm_prot), what the
 * kernel defines: hva_to_pfn_remapped() maps a pfn writable only when
 * follow_pfnmap_start() says the entry is (args.writable), and answers a
 * write fault on an entry that is not with KVM_PFN_ERR_RO_FAULT, which
 * kvm_handle_error_pfn() turns into emulating the write
 * (RET_PF_EMULATE): emulator_write_phys() -> kvm_vcpu_write_guest()
 * stores through the HVA with copy_to_user(), and when that fails the
 * write goes to userspace as KVM_EXIT_MMIO.  So a guest write to
 *  - a MAP_PRIVATE pfnmap (read-only COW entries) COWs the host page:
 *    the write lands in this process's private copy, never in the pfn;
 *  - a PROT_READ pfnmap whose entry was mapped by a read exits as MMIO
 *    (copy_to_user() faults); one never mapped fails KVM_RUN with EFAULT
 *    (fixup_user_fault(FAULT_FLAG_WRITE) of a VMA without VM_WRITE);
 *  - a KVM_MEM_READONLY memslot exits as MMIO without touching the
 *    mapping (__gfn_to_hva_many() gives KVM_HVA_ERR_RO_BAD for writes).
 *
 * The memslot sits at guest-physical KVM_GPA, 1 GiB-aligned like the
 * mapping of a PUD variant, so KVM may map the guest with entries as
 * large as the host's.  In this suite's VM the guest's KVM runs on the
 * SVM+NPT that QEMU's -cpu max exposes under TCG.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "follow/follow_util.h"
#include "kvm/kvm_vm.h"
#include "mm_harness.h"
#include "mm_util.h"
#include "pfnmap/pfnmap_harness.h"
#include "pfnmap/pfnmap_provider.h"

#define RW		(PROT_READ | PROT_WRITE)
#define KVM_GPA		SZ_1G
#define PFN_SLOT	1

FIXTURE(kvm) {
	struct pfnmap pm;
	struct kvm_vm vm;
	bool got, vm_open;
	double t0;		/* for the case's wall-clock time */
	uint64_t seed;
	uint64_t offs[FOLLOW_MAX_OFFS];
	int n;
};

FIXTURE_VARIANT(kvm) {
	struct pfnmap_req req;
};

#define KV(_p, _l, _len)						\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = true, .prot = RW, .off = 0, .len = _len }

FIXTURE_VARIANT_ADD(kvm, kmod_pte) { KV(PFNMAP_KMOD, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(kvm, kmod_pmd) { KV(PFNMAP_KMOD, PMD, SZ_1G) };
FIXTURE_VARIANT_ADD(kvm, kmod_pud) { KV(PFNMAP_KMOD, PUD, SZ_1G) };
FIXTURE_VARIANT_ADD(kvm, prepare_pte) { KV(PFNMAP_PREPARE, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(kvm, vfio_pte) { KV(PFNMAP_VFIO, PTE, SZ_1G) };
FIXTURE_VARIANT_ADD(kvm, vfio_pmd) { KV(PFNMAP_VFIO, PMD, SZ_1G) };
/* 2 GiB: the 1 GiB + 4 MiB offset lies in the second PUD entry. */
FIXTURE_VARIANT_ADD(kvm, vfio_pud) { KV(PFNMAP_VFIO, PUD, 2 * SZ_1G) };
FIXTURE_VARIANT_ADD(kvm, devmem_pte) { KV(PFNMAP_DEVMEM, PTE, SZ_1G) };

static double kv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void kv_setup(FIXTURE_DATA(kvm) *self)
{
	self->got = self->vm_open = false;
	self->seed = mm_seed();
	self->t0 = kv_now();
}

static void kv_teardown(struct __test_metadata *_metadata,
			FIXTURE_DATA(kvm) *self)
{
	if (self->vm_open)
		kvm_vm_close(&self->vm);
	if (self->got)
		pfnmap_put(&self->pm);
	TH_LOG("case took %.2f s (map, VM, runs, checks, teardown)",
	       kv_now() - self->t0);
}

FIXTURE_SETUP(kvm)
{
	kv_setup(self);
}

FIXTURE_TEARDOWN(kvm)
{
	kv_teardown(_metadata, self);
}

/*
 * Map, write the sample pages through the second path (the guest, not
 * the host, faults the mapping in), open the VM and back memslot
 * PFN_SLOT with the mapping.  False after a SKIP.
 */
static bool kv_get(struct __test_metadata *_metadata, FIXTURE_DATA(kvm) *self,
		   const struct pfnmap_req *req, unsigned int flags)
{
	struct pfnmap *pm = &self->pm;
	char why[512];
	int ret;

	if (!pfnmap_get_or_skip(_metadata, pm, req, &self->got))
		return false;
	self->n = follow_offsets(req->len, self->offs);
	ASSERT_EQ(0, follow_fill(pm, self->seed, self->offs, self->n))
		TH_LOG("writing the patterns through %s", pm->path);
	ret = kvm_vm_open(&self->vm, why, sizeof(why));
	self->vm_open = true;
	if (ret == KVM_VM_SKIP)
		SKIP(return false, "%s", why);
	ASSERT_EQ(0, ret) TH_LOG("%s", why);
	ret = kvm_vm_set_slot(&self->vm, PFN_SLOT, KVM_GPA, pm->addr,
			      req->len, flags);
	ASSERT_EQ(0, ret) TH_LOG("KVM_SET_USER_MEMORY_REGION of the %s "
				 "mapping: %s",
				 pfnmap_provider_name(pm->req.provider),
				 strerror(-ret));
	return true;
}

/* One command per sample offset: READ, or WRITE of SEED's bytes. */
static void kv_cmds(FIXTURE_DATA(kvm) *self, enum kvm_vm_op op, uint64_t seed)
{
	struct kvm_vm_cmd *c = kvm_vm_cmds(&self->vm);
	int i;

	for (i = 0; i < self->n; i++) {
		c[i].op = op;
		c[i].gpa = KVM_GPA + self->offs[i];
		memset(c[i].data, 0, sizeof(c[i].data));
		if (op == KVM_VM_WRITE)
			follow_expect(&self->pm, seed, self->offs[i], c[i].data,
				      sizeof(c[i].data));
	}
	c[self->n].op = KVM_VM_END;
}

/* Run the list to its halt; every command done. */
static void kv_run_ok(struct __test_metadata *_metadata,
		      FIXTURE_DATA(kvm) *self, const char *what)
{
	unsigned int exit, done;
	uint64_t gpa = 0;
	double t = kv_now();
	int ret;

	ret = kvm_vm_run(&self->vm, &exit, &gpa, &done);
	TH_LOG("%s: KVM_RUN of %d accesses took %.2f s", what, self->n,
	       kv_now() - t);
	ASSERT_EQ(0, ret) TH_LOG("%s: KVM_RUN: %s, exit reason %u (gpa %#llx) "
				 "after %u of %d accesses", what,
				 strerror(-ret), exit, (unsigned long long)gpa,
				 done, self->n);
	ASSERT_EQ(self->n, (int)done);
}

/* The guest read SEED's pattern at every offset. */
static void kv_check_reads(struct __test_metadata *_metadata,
			   FIXTURE_DATA(kvm) *self, uint64_t seed)
{
	struct kvm_vm_cmd *c = kvm_vm_cmds(&self->vm);
	unsigned char want[FOLLOW_SPAN];
	int i;

	for (i = 0; i < self->n; i++) {
		follow_expect(&self->pm, seed, self->offs[i], want, sizeof(want));
		EXPECT_EQ(0, memcmp(want, c[i].data, sizeof(want)))
			TH_LOG("guest read at gpa %#llx (map+%#llx): not the "
			       "page's pattern", (unsigned long long)c[i].gpa,
			       (unsigned long long)self->offs[i]);
	}
}

/* The host mapping holds SEED's bytes at every offset. */
static void kv_check_map(struct __test_metadata *_metadata,
			 FIXTURE_DATA(kvm) *self, uint64_t seed,
			 const char *what)
{
	unsigned char want[FOLLOW_SPAN];
	uint64_t off;
	int i;

	for (i = 0; i < self->n; i++) {
		off = self->offs[i];
		follow_expect(&self->pm, seed, off, want, sizeof(want));
		EXPECT_EQ(0, memcmp(self->pm.addr + off, want, sizeof(want)))
			TH_LOG("%s: the mapping at map+%#llx", what,
			       (unsigned long long)off);
	}
}

/* The second path (the pfns themselves) holds SEED's bytes. */
static void kv_check_path(struct __test_metadata *_metadata,
			  FIXTURE_DATA(kvm) *self, uint64_t seed,
			  const char *what)
{
	unsigned char want[FOLLOW_SPAN];
	uint64_t off;
	int i;

	for (i = 0; i < self->n; i++) {
		off = self->offs[i];
		follow_expect(&self->pm, seed, off, want, sizeof(want));
		EXPECT_EQ(0, follow_path_equals(&self->pm, off, want,
						sizeof(want)))
			TH_LOG("%s: %s at map+%#llx", what, self->pm.path,
			       (unsigned long long)off);
	}
}

/* The host mapping and the second path hold SEED's bytes at every offset. */
static void kv_check_host(struct __test_metadata *_metadata,
			  FIXTURE_DATA(kvm) *self, uint64_t seed,
			  const char *what)
{
	kv_check_map(_metadata, self, seed, what);
	kv_check_path(_metadata, self, seed, what);
}

/*
 * The guest reads every sample offset and sees that page's pattern; the
 * host entries the guest's faults made (fixup_user_fault() from
 * hva_to_pfn_remapped()) are at the level the mapping allows.
 */
TEST_F(kvm, guest_read)
{
	char why[512];

	if (!kv_get(_metadata, self, &variant->req, 0))
		return;
	kv_cmds(self, KVM_VM_READ, 0);
	kv_run_ok(_metadata, self, "reads");
	kv_check_reads(_metadata, self, self->seed);
	EXPECT_EQ(0, follow_check_levels(&self->pm, self->offs, self->n, why,
					 sizeof(why)))
		TH_LOG("host entries after the guest's faults: %s", why);
}

/* Guest writes land in the pfns: the mapping and the second path see them. */
TEST_F(kvm, guest_write)
{
	uint64_t seed2 = mm_mix(self->seed + 1);

	if (!kv_get(_metadata, self, &variant->req, 0))
		return;
	kv_cmds(self, KVM_VM_WRITE, seed2);
	kv_run_ok(_metadata, self, "writes");
	kv_check_host(_metadata, self, seed2, "after the guest's writes");
	kv_cmds(self, KVM_VM_READ, 0);
	kv_run_ok(_metadata, self, "reads back");
	kv_check_reads(_metadata, self, seed2);
}

/*
 * Deleting the memslot while the mapping stays: the guest's next access
 * has no memslot, so KVM exits to userspace as MMIO at that address; the
 * mapping and its data are untouched.
 */
TEST_F(kvm, slot_deleted)
{
	unsigned int exit, done;
	uint64_t gpa = 0;
	int ret;

	if (!kv_get(_metadata, self, &variant->req, 0))
		return;
	kv_cmds(self, KVM_VM_READ, 0);
	kv_run_ok(_metadata, self, "reads");
	ASSERT_EQ(0, kvm_vm_set_slot(&self->vm, PFN_SLOT, KVM_GPA,
				     self->pm.addr, 0, 0));
	ret = kvm_vm_run(&self->vm, &exit, &gpa, &done);
	EXPECT_EQ(-EIO, ret) TH_LOG("KVM_RUN without the memslot: %s, exit %u",
				    strerror(-ret), exit);
	EXPECT_EQ(KVM_EXIT_MMIO, exit);
	EXPECT_EQ(KVM_GPA + self->offs[0], gpa);
	EXPECT_EQ(0, done);
	kv_check_host(_metadata, self, self->seed, "after deleting the memslot");
}

/*
 * Unmapping the pfnmap under a live memslot: the MMU notifier zaps what
 * the guest had mapped and hva_to_pfn() finds no VMA, so the next guest
 * access fails KVM_RUN with EFAULT instead of reaching the old pfns.
 */
TEST_F(kvm, mapping_unmapped)
{
	unsigned int exit, done;
	uint64_t gpa = 0;
	int ret;

	if (!kv_get(_metadata, self, &variant->req, 0))
		return;
	kv_cmds(self, KVM_VM_READ, 0);
	kv_run_ok(_metadata, self, "reads");
	ASSERT_EQ(0, munmap(self->pm.addr, variant->req.len));
	self->pm.addr = MAP_FAILED;
	ret = kvm_vm_run(&self->vm, &exit, &gpa, &done);
	EXPECT_EQ(-EFAULT, ret) TH_LOG("KVM_RUN after munmap: %s, exit %u",
				       strerror(-ret), exit);
	EXPECT_EQ(0, done) TH_LOG("the guest still read %u of %d offsets "
				  "after munmap", done, self->n);
	EXPECT_EQ(0, kvm_vm_set_slot(&self->vm, PFN_SLOT, KVM_GPA, NULL, 0, 0));
}

/*
 * Dirty logging on a pfnmap memslot: after the guest's writes,
 * KVM_GET_DIRTY_LOG names exactly the pages the writes touched (a span
 * across a page boundary dirties both), though the log was cleared
 * after the reads, so each write faulted again on a write-protected
 * 4 KiB entry.
 */
TEST_F(kvm, dirty_log)
{
	uint64_t seed2 = mm_mix(self->seed + 3), npages, p, *bm, *want;
	size_t words;
	int i;

	if (!kv_get(_metadata, self, &variant->req, KVM_MEM_LOG_DIRTY_PAGES))
		return;
	npages = variant->req.len / SZ_4K;
	words = (npages + 63) / 64;
	bm = calloc(words, 8);
	want = calloc(words, 8);
	ASSERT_TRUE(bm && want);
	for (i = 0; i < self->n; i++)
		for (p = self->offs[i] / SZ_4K;
		     p <= (self->offs[i] + FOLLOW_SPAN - 1) / SZ_4K; p++)
			want[p / 64] |= 1ULL << (p % 64);
	/*
	 * A read fault may map a writable pfn writable and so log it
	 * (make_spte() marks the gfn dirty whenever it sets the writable
	 * bit): reads may dirty the pages they read, no others.
	 */
	kv_cmds(self, KVM_VM_READ, 0);
	kv_run_ok(_metadata, self, "reads");
	kv_check_reads(_metadata, self, self->seed);
	ASSERT_EQ(0, kvm_vm_dirty_log(&self->vm, PFN_SLOT, bm));
	for (p = 0; p < words; p++) {
		EXPECT_EQ(0, bm[p] & ~want[p])
			TH_LOG("reads dirtied pages they did not read: word "
			       "%llu (pages %llu..) %#llx, read %#llx",
			       (unsigned long long)p,
			       (unsigned long long)p * 64,
			       (unsigned long long)bm[p],
			       (unsigned long long)want[p]);
	}
	kv_cmds(self, KVM_VM_WRITE, seed2);
	kv_run_ok(_metadata, self, "writes");
	ASSERT_EQ(0, kvm_vm_dirty_log(&self->vm, PFN_SLOT, bm));
	for (p = 0; p < words; p++) {
		EXPECT_EQ(want[p], bm[p])
			TH_LOG("dirty bitmap word %llu (pages %llu..): %#llx, "
			       "want %#llx", (unsigned long long)p,
			       (unsigned long long)p * 64,
			       (unsigned long long)bm[p],
			       (unsigned long long)want[p]);
	}
	kv_check_host(_metadata, self, seed2, "after the logged writes");
	free(bm);
	free(want);
}

/*
 * Memslots the guest may not write through: MAP_PRIVATE and PROT_READ
 * pfnmaps, and a KVM_MEM_READONLY memslot over a writable one.  The
 * variant says what a guest write must do, after the guest read the
 * page (the entry is mapped) and as the guest's first access.
 */
enum kp_write {
	KP_COW,		/* completes, into private copies; pfns untouched */
	KP_MMIO,	/* KVM_EXIT_MMIO write at its gpa; nothing stored */
	KP_EFAULT,	/* KVM_RUN fails EFAULT; nothing stored */
};

FIXTURE(kvm_prot) {
	FIXTURE_DATA(kvm) k;
};

FIXTURE_VARIANT(kvm_prot) {
	struct pfnmap_req req;
	unsigned int slot_flags;
	enum kp_write after_read, first;
};

#define KP(_p, _l, _len, _shared, _prot, _flags, _after, _first)	\
	.req = { .provider = _p, .level = MMCONF_LEVEL_##_l,		\
		 .shared = _shared, .prot = _prot, .off = 0,		\
		 .len = _len },						\
	.slot_flags = _flags, .after_read = _after, .first = _first

/* MAP_PRIVATE: remap_pfn_range() of PAGE_COPY entries, PTEs only. */
FIXTURE_VARIANT_ADD(kvm_prot, kmod_pte_private) {
	KP(PFNMAP_KMOD, PTE, SZ_1G, false, RW, 0, KP_COW, KP_COW) };
FIXTURE_VARIANT_ADD(kvm_prot, prepare_pte_private) {
	KP(PFNMAP_PREPARE, PTE, SZ_1G, false, RW, 0, KP_COW, KP_COW) };
FIXTURE_VARIANT_ADD(kvm_prot, devmem_pte_private) {
	KP(PFNMAP_DEVMEM, PTE, SZ_1G, false, RW, 0, KP_COW, KP_COW) };
/* PROT_READ, shared: read-only entries at every level. */
FIXTURE_VARIANT_ADD(kvm_prot, kmod_pte_ro) {
	KP(PFNMAP_KMOD, PTE, SZ_1G, true, PROT_READ, 0, KP_MMIO, KP_EFAULT) };
FIXTURE_VARIANT_ADD(kvm_prot, kmod_pud_ro) {
	KP(PFNMAP_KMOD, PUD, SZ_1G, true, PROT_READ, 0, KP_MMIO, KP_EFAULT) };
FIXTURE_VARIANT_ADD(kvm_prot, vfio_pmd_ro) {
	KP(PFNMAP_VFIO, PMD, SZ_1G, true, PROT_READ, 0, KP_MMIO, KP_EFAULT) };
FIXTURE_VARIANT_ADD(kvm_prot, vfio_pud_ro) {
	KP(PFNMAP_VFIO, PUD, 2 * SZ_1G, true, PROT_READ, 0, KP_MMIO,
	   KP_EFAULT) };
/* /dev/mem remaps every entry at mmap(): present before any access. */
FIXTURE_VARIANT_ADD(kvm_prot, devmem_pte_ro) {
	KP(PFNMAP_DEVMEM, PTE, SZ_1G, true, PROT_READ, 0, KP_MMIO, KP_MMIO) };
/* KVM_MEM_READONLY over a writable mapping. */
FIXTURE_VARIANT_ADD(kvm_prot, kmod_pud_roslot) {
	KP(PFNMAP_KMOD, PUD, SZ_1G, true, RW, KVM_MEM_READONLY, KP_MMIO,
	   KP_MMIO) };
FIXTURE_VARIANT_ADD(kvm_prot, vfio_pud_roslot) {
	KP(PFNMAP_VFIO, PUD, 2 * SZ_1G, true, RW, KVM_MEM_READONLY, KP_MMIO,
	   KP_MMIO) };

FIXTURE_SETUP(kvm_prot)
{
	kv_setup(&self->k);
}

FIXTURE_TEARDOWN(kvm_prot)
{
	kv_teardown(_metadata, &self->k);
}

static const char *kp_name(enum kp_write w)
{
	return w == KP_COW ? "completes into private copies" :
	       w == KP_MMIO ? "exits KVM_EXIT_MMIO" : "fails KVM_RUN with EFAULT";
}

/*
 * Run a list of one WRITE of SEED's bytes per sample offset and check
 * the outcome WANT, then what the mapping, the second path and a guest
 * read-back hold.  The case ends here: an MMIO exit is never completed.
 */
static void kp_write(struct __test_metadata *_metadata, FIXTURE_DATA(kvm) *k,
		     enum kp_write want, uint64_t seed, const char *what)
{
	struct kvm_vm_cmd *c = kvm_vm_cmds(&k->vm);
	unsigned int exit = 0, done = 0;
	struct kvm_vm_mmio mmio;
	uint64_t gpa = 0;
	int ret;

	kv_cmds(k, KVM_VM_WRITE, seed);
	ret = kvm_vm_run(&k->vm, &exit, &gpa, &done);
	TH_LOG("%s: KVM_RUN of %d writes: %s, exit %u, %u done (the kernel "
	       "must: %s)", what, k->n, ret ? strerror(-ret) : "halted", exit,
	       done, kp_name(want));
	if (want == KP_COW) {
		ASSERT_EQ(0, ret) TH_LOG("%s: guest writes to a private "
					 "pfnmap", what);
		ASSERT_EQ(k->n, (int)done);
		/* This process's mapping shows the copies... */
		kv_check_map(_metadata, k, seed, what);
		/* ...the pfns still hold the pattern written before. */
		kv_check_path(_metadata, k, k->seed, what);
		kv_cmds(k, KVM_VM_READ, 0);
		kv_run_ok(_metadata, k, "reads back");
		kv_check_reads(_metadata, k, seed);
		return;
	}
	EXPECT_EQ(0, done) TH_LOG("%s: the guest stored %u writes", what,
				  done);
	if (want == KP_MMIO) {
		EXPECT_EQ(-EIO, ret) TH_LOG("%s: KVM_RUN: %s", what,
					    strerror(-ret));
		EXPECT_EQ(KVM_EXIT_MMIO, exit);
		kvm_vm_last_mmio(&k->vm, &mmio);
		EXPECT_TRUE(mmio.is_write);
		EXPECT_EQ(c[0].gpa, mmio.gpa);
		EXPECT_EQ(4, mmio.len);
		EXPECT_EQ(0, memcmp(c[0].data, mmio.data, 4))
			TH_LOG("%s: the MMIO exit's data is not the write's",
			       what);
	} else {
		EXPECT_EQ(-EFAULT, ret) TH_LOG("%s: KVM_RUN: %s, exit %u",
					       what, strerror(-ret), exit);
	}
	/* Nothing reached the mapping or the pfns. */
	kv_check_host(_metadata, k, k->seed, what);
}

/*
 * The guest reads every sample offset of a memslot it may not write
 * through and sees the page's pattern: a read fault maps the pfn
 * follow_pfnmap_start() gives, read-only (hva_to_pfn_remapped():
 * *writable = args.writable).
 */
TEST_F(kvm_prot, guest_read)
{
	char why[512];

	if (!kv_get(_metadata, &self->k, &variant->req, variant->slot_flags))
		return;
	kv_cmds(&self->k, KVM_VM_READ, 0);
	kv_run_ok(_metadata, &self->k, "reads");
	kv_check_reads(_metadata, &self->k, self->k.seed);
	EXPECT_EQ(0, follow_check_levels(&self->k.pm, self->k.offs,
					 self->k.n, why, sizeof(why)))
		TH_LOG("host entries after the guest's faults: %s", why);
}

/* Guest writes to pages the guest read (mapped read-only in the guest). */
TEST_F(kvm_prot, write_after_read)
{
	if (!kv_get(_metadata, &self->k, &variant->req, variant->slot_flags))
		return;
	kv_cmds(&self->k, KVM_VM_READ, 0);
	kv_run_ok(_metadata, &self->k, "reads");
	kp_write(_metadata, &self->k, variant->after_read,
		 mm_mix(self->k.seed + 5), "writes after reads");
}

/* Guest writes as the guest's first access to the memslot. */
TEST_F(kvm_prot, write_first)
{
	if (!kv_get(_metadata, &self->k, &variant->req, variant->slot_flags))
		return;
	kp_write(_metadata, &self->k, variant->first,
		 mm_mix(self->k.seed + 7), "first access a write");
}

MM_HARNESS_MAIN
