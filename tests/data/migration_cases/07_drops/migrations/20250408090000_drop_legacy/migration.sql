/*
  Warnings:

  - You are about to drop the column `emailVerifiedAt` on the `woc_users` table. All the data in the column will be lost.
  - You are about to drop the `woc_contact_messages` table. If the table is not empty, all the data it contains will be lost.
  - You are about to drop the `woc_password_resets` table. If the table is not empty, all the data it contains will be lost.

*/

-- AlterTable
ALTER TABLE `woc_users` DROP COLUMN `emailVerifiedAt`;

-- AlterTable
ALTER TABLE `woc_invites` DROP COLUMN `acceptedAt`;

-- DropTable
DROP TABLE `woc_contact_messages`;

-- DropForeignKey
ALTER TABLE `woc_password_resets` DROP FOREIGN KEY `woc_password_resets_userId_fkey`;

-- DropTable
DROP TABLE `woc_password_resets`;
