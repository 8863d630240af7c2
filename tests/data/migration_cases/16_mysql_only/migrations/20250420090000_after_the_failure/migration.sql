-- AlterTable
ALTER TABLE `woc_users` DROP COLUMN `emailVerifiedAt`;
